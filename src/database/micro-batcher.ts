import { WriteRefused } from './write-refused.js';

interface Pending<I, O> {
  readonly item: I;
  readonly weight: number;
  /** `performance.now()` when it was submitted. */
  readonly at: number;
  settled: boolean;
  readonly resolve: (output: O) => void;
  readonly reject: (error: unknown) => void;
}

export interface MicroBatcherOptions<I = unknown> {
  /** Most items one write carries. */
  readonly maxBatch: number;
  /** Most writes in flight at once; further items wait and join the next batch. */
  readonly maxConcurrent: number;
  /** Told of every write once it is done (for metrics): items, seconds it took, whether it succeeded. */
  readonly onBatch?: (size: number, seconds: number, ok: boolean) => void;
  /** Most items waiting for a write; a submit beyond it is refused at once (`queue-full`). */
  readonly maxQueued?: number;
  /**
   * Most total weight (bytes, say) waiting for a write, so that a queue of large items cannot hold
   * more memory than this; refused alike. An item is weighed by `weigh`.
   */
  readonly maxQueuedWeight?: number;
  readonly weigh?: (item: I) => number;
  /**
   * An item not answered within this many ms is refused (`deadline`): taken out of the queue if it
   * is still there, or answered without waiting for a write in flight, which may still commit.
   */
  readonly deadlineMs?: number;
}

/**
 * Group commit: items queue and are written together, one statement (one commit) per batch, and
 * every caller is answered from its own element of the result, only after that commit. A batch
 * leaves on the next turn of the event loop, or when full; while the database is busy with
 * `maxConcurrent` writes, arrivals gather into the next batch, so batches grow with the load.
 */
export class MicroBatcher<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private queuedWeight = 0;
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** Items of the writes in flight, still waiting for their answer. */
  private readonly writing = new Set<ReadonlyArray<Pending<I, O>>>();
  private deadlineTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly write: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly options: MicroBatcherOptions<I>,
  ) {}

  submit(item: I): Promise<O> {
    const weight = this.options.weigh?.(item) ?? 0;
    if (this.full || this.queuedWeight + weight > (this.options.maxQueuedWeight ?? Infinity)) {
      return Promise.reject(new WriteRefused('queue-full'));
    }
    this.queuedWeight += weight;
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, weight, at: performance.now(), settled: false, resolve, reject });
      this.schedule();
      this.watchDeadlines();
    });
  }

  /** Whether a submit now would be refused for want of room. */
  get full(): boolean {
    const { maxQueued, maxQueuedWeight } = this.options;
    return (
      (maxQueued !== undefined && this.queue.length >= maxQueued) ||
      (maxQueuedWeight !== undefined && this.queuedWeight >= maxQueuedWeight)
    );
  }

  /** Resolves once everything submitted so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.inFlight.size > 0) {
      this.flush();
      await Promise.allSettled([...this.inFlight]);
    }
  }

  private schedule(): void {
    if (this.queue.length >= this.options.maxBatch) this.flush();
    if (this.scheduled || this.queue.length === 0) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.queue.length > 0 && this.inFlight.size < this.options.maxConcurrent) {
      const batch = this.dequeue(this.options.maxBatch);
      const done = this.run(batch).finally(() => {
        this.inFlight.delete(done);
        this.schedule();
      });
      this.inFlight.add(done);
    }
  }

  private async run(batch: ReadonlyArray<Pending<I, O>>): Promise<void> {
    const started = performance.now();
    let ok = false;
    this.writing.add(batch);
    try {
      const outputs = await this.write(batch.map((p) => p.item));
      ok = true;
      // No closure per item: this runs for every request.
      for (let i = 0; i < batch.length; i += 1) {
        const pending = batch[i];
        if (pending.settled) continue;
        pending.settled = true;
        pending.resolve(outputs[i]);
      }
    } catch (error) {
      for (const pending of batch) settle(pending, () => pending.reject(error));
    } finally {
      this.writing.delete(batch);
    }
    this.report(batch.length, (performance.now() - started) / 1_000, ok);
  }

  private dequeue(count: number): Array<Pending<I, O>> {
    const taken = this.queue.splice(0, count);
    for (const pending of taken) this.queuedWeight -= pending.weight;
    return taken;
  }

  /**
   * One timer for all items, not one per item: it runs only while something waits, a few times
   * per deadline, so an item is refused at most a twentieth of the deadline late.
   */
  private watchDeadlines(): void {
    const { deadlineMs } = this.options;
    if (deadlineMs === undefined || this.deadlineTimer) return;
    this.deadlineTimer = setInterval(
      () => this.refuseLate(deadlineMs),
      Math.max(10, deadlineMs / 20),
    );
    this.deadlineTimer.unref();
  }

  private refuseLate(deadlineMs: number): void {
    const late = performance.now() - deadlineMs;
    const refuse = (pending: Pending<I, O>) =>
      settle(pending, () => pending.reject(new WriteRefused('deadline')));
    // The queue is in arrival order: the late items are at its head.
    let expired = 0;
    while (expired < this.queue.length && this.queue[expired].at <= late) expired += 1;
    for (const pending of this.dequeue(expired)) refuse(pending);
    for (const batch of this.writing) {
      for (const pending of batch) if (pending.at <= late) refuse(pending);
    }
    if (this.queue.length === 0 && this.writing.size === 0) {
      clearInterval(this.deadlineTimer);
      this.deadlineTimer = undefined;
    }
  }

  private report(size: number, seconds: number, ok: boolean): void {
    try {
      this.options.onBatch?.(size, seconds, ok);
    } catch {
      // An observer is bookkeeping: its failure must not become an unhandled rejection here.
    }
  }
}

/** Answers an item once: after a deadline refused it, its write's outcome is dropped. */
function settle<I, O>(pending: Pending<I, O>, answer: () => void): void {
  if (pending.settled) return;
  pending.settled = true;
  answer();
}
