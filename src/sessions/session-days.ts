/** Sessions remembered at most; past it the longest-known one is forgotten (and looked up again). */
const CAPACITY = 100_000;

/**
 * The day each session started, by session id, as far as this instance has seen it: the day
 * names the partition that holds the session's events, so a statement can read that partition
 * alone. A session's day never changes; one not known here is looked up in the database when it
 * is first written to.
 */
export class SessionDays {
  private readonly days = new Map<string, number>();

  get(sessionId: string): number | undefined {
    return this.days.get(sessionId);
  }

  set(sessionId: string, day: number): void {
    if (this.days.size >= CAPACITY && !this.days.has(sessionId)) {
      this.days.delete(this.days.keys().next().value!);
    }
    this.days.set(sessionId, day);
  }
}
