import { WriteRefused } from './write-refused.js';

/**
 * At most `concurrent` large writes at once, and at most `maxWaiting` waiting for a turn; one more
 * is refused at once (`queue-full`). Large writes (whole offline sessions) would otherwise take
 * every connection of the pool, and hold their bodies' memory, while the database is slow.
 */
export class WriteSlots {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrent: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrent) {
      if (this.waiting.length >= this.maxWaiting) throw new WriteRefused('queue-full');
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    this.running += 1;
    try {
      return await work();
    } finally {
      this.running -= 1;
      this.waiting.shift()?.();
    }
  }
}
