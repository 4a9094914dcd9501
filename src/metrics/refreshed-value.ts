/** What one `refresh()` did. */
export type RefreshOutcome =
  /** A new value was read. */
  | 'updated'
  /** The read failed; the last value stands. */
  | 'failed'
  /** The read did not answer in time; the last value stands until it does. */
  | 'timed-out'
  /** An earlier read has not answered yet, so no second one was started. */
  | 'busy';

export interface RefreshedValueOptions {
  /** How long a refresh waits for its read. */
  readonly timeoutMs: number;
  /** Milliseconds on a monotonic clock. */
  readonly now?: () => number;
  /** Told of every read that failed, late ones included. */
  readonly onError?: (error: unknown) => void;
}

/**
 * A number that is expensive to read (a count in the database), read in the background so that
 * looking at it costs nothing. Reads never overlap: one that outlives its timeout still holds
 * its turn (a connection, a lock wait) until it answers, and a late answer still becomes the value,
 * being the newest reading there is.
 */
export class RefreshedValue {
  private current: number | undefined;
  private readAt: number;
  private outstanding: Promise<void> | undefined;
  private readonly now: () => number;

  constructor(
    private readonly read: () => Promise<number>,
    private readonly options: RefreshedValueOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    // Before the first reading, its age counts from the start: a value never read is stale too.
    this.readAt = this.now();
  }

  /** The last value read; undefined before the first read answered. */
  get value(): number | undefined {
    return this.current;
  }

  /** Seconds since the value was read (since this object was made, before the first reading). */
  ageSeconds(): number {
    return (this.now() - this.readAt) / 1_000;
  }

  refresh(): Promise<RefreshOutcome> {
    if (this.outstanding) return Promise.resolve('busy');
    let outcome: RefreshOutcome = 'timed-out';
    const reading = this.startRead().then(
      (value) => {
        this.current = value;
        this.readAt = this.now();
        outcome = 'updated';
      },
      (error: unknown) => {
        outcome = 'failed';
        this.options.onError?.(error);
      },
    );
    const outstanding = reading.finally(() => {
      if (this.outstanding === outstanding) this.outstanding = undefined;
    });
    this.outstanding = outstanding;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.options.timeoutMs);
      timer.unref();
    });
    return Promise.race([outstanding, timeout]).then(() => {
      clearTimeout(timer);
      return outcome;
    });
  }

  /** A read that throws before returning its promise fails like one that rejects. */
  private startRead(): Promise<number> {
    try {
      return this.read();
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }
}
