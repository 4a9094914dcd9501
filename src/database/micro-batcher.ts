interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (output: O) => void;
  readonly reject: (error: unknown) => void;
}

export interface MicroBatcherOptions {
  /** Most items one write carries. */
  readonly maxBatch: number;
  /** Most writes in flight at once; further items wait and join the next batch. */
  readonly maxConcurrent: number;
  /** Told of every write once it is done (for metrics): items, seconds it took, whether it succeeded. */
  readonly onBatch?: (size: number, seconds: number, ok: boolean) => void;
}

/**
 * Group commit: items queue and are written together, one statement (one commit) per batch, and
 * every caller is answered from its own element of the result, only after that commit. A batch
 * leaves on the next turn of the event loop, or when full; while the database is busy with
 * `maxConcurrent` writes, arrivals gather into the next batch, so batches grow with the load.
 */
export class MicroBatcher<I, O> {
  private queue: Array<Pending<I, O>> = [];
  private scheduled = false;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly write: (items: readonly I[]) => Promise<readonly O[]>,
    private readonly options: MicroBatcherOptions,
  ) {}

  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
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
      const batch = this.queue.splice(0, this.options.maxBatch);
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
    try {
      const outputs = await this.write(batch.map((p) => p.item));
      ok = true;
      batch.forEach((pending, i) => pending.resolve(outputs[i]));
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    }
    this.report(batch.length, (performance.now() - started) / 1_000, ok);
  }

  private report(size: number, seconds: number, ok: boolean): void {
    try {
      this.options.onBatch?.(size, seconds, ok);
    } catch {
      // An observer is bookkeeping: its failure must not become an unhandled rejection here.
    }
  }
}
