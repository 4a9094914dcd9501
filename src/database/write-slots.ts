import { WriteRefused } from './write-refused.js';

/**
 * At most `concurrent` large writes at once, and at most `maxWaitingWeight` (bytes, say) of them
 * waiting for a turn; one more is refused at once (`queue-full`). Large writes (whole offline
 * sessions) would otherwise take every connection of the pool, and hold their bodies' memory,
 * while the database is slow. Weighed, not counted: a burst of small uploads is ordinary traffic
 * and waits its turn.
 */
export class WriteSlots {
  private running = 0;
  private waitingWeight = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly concurrent: number,
    private readonly maxWaitingWeight: number,
  ) {}

  async run<T>(weight: number, work: () => Promise<T>): Promise<T> {
    if (this.running >= this.concurrent) {
      if (this.waitingWeight + weight > this.maxWaitingWeight) throw new WriteRefused('queue-full');
      this.waitingWeight += weight;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
      this.waitingWeight -= weight;
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
