interface Bucket {
  tokens: number;
  updatedAt: number;
}

/**
 * One token bucket per client address: `ratePerSecond` tokens flow in, at most `burst` are kept,
 * and each request takes one. Full buckets hold no information, so they are dropped when the
 * table reaches `maxKeys`; a flood of new addresses therefore cannot grow memory without bound.
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly maxKeys = 100_000,
  ) {}

  get size(): number {
    return this.buckets.size;
  }

  /** Takes a token for `key`: 0 if one was there, else the whole seconds until one will be. */
  take(key: string, nowMs: number): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= this.maxKeys) this.prune(nowMs);
      bucket = { tokens: this.burst, updatedAt: nowMs };
      this.buckets.set(key, bucket);
    } else {
      this.refill(bucket, nowMs);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerSecond));
  }

  /** Drops full buckets; if every bucket is in use, the oldest half goes (they refill anyway). */
  prune(nowMs: number): void {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, nowMs);
      if (bucket.tokens >= this.burst) this.buckets.delete(key);
    }
    if (this.buckets.size < this.maxKeys) return;
    let drop = Math.ceil(this.buckets.size / 2);
    for (const key of this.buckets.keys()) {
      if (drop-- <= 0) break;
      this.buckets.delete(key);
    }
  }

  private refill(bucket: Bucket, nowMs: number): void {
    const elapsed = Math.max(0, nowMs - bucket.updatedAt) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + elapsed * this.ratePerSecond);
    bucket.updatedAt = nowMs;
  }
}
