/** How long a start's requestId is remembered: alloy's retries come within seconds. */
const REMEMBER_MS = 10 * 60_000;
/** Starts remembered at most; the oldest are forgotten first. */
const MAX_REMEMBERED = 50_000;

/**
 * Session starts by the `requestId` they came with (contract C10): alloy repeats a request with
 * the same requestId after a 429, a 5xx or a dropped connection, and a repeated start must answer
 * the session the first one made, not make a second. A retry that arrives while the first is
 * still being stored waits for it. A start that failed is forgotten, so its retry starts anew.
 * Kept in memory: retries reach the instance that answered (or failed) the first attempt through
 * the same connection's retry loop within seconds.
 */
export class EdgeStarts {
  private readonly starts = new Map<string, { at: number; id: Promise<string> }>();

  constructor(private readonly now: () => number = Date.now) {}

  /** The id of the session `requestId` started, or of the one `start` makes now (the key names its datastream too). */
  once(requestId: string | undefined, start: () => Promise<string>): Promise<string> {
    if (requestId === undefined) return start();
    const now = this.now();
    const known = this.starts.get(requestId);
    if (known && now - known.at < REMEMBER_MS) return known.id;
    // Set anew at the end of the map, which is kept in the order of the starts' times.
    this.starts.delete(requestId);
    this.forgetOld(now);
    const id = start();
    this.starts.set(requestId, { at: now, id });
    id.catch(() => {
      if (this.starts.get(requestId)?.id === id) this.starts.delete(requestId);
    });
    return id;
  }

  get size(): number {
    return this.starts.size;
  }

  private forgetOld(now: number): void {
    for (const [requestId, start] of this.starts) {
      if (this.starts.size < MAX_REMEMBERED && now - start.at < REMEMBER_MS) return;
      this.starts.delete(requestId);
    }
  }
}
