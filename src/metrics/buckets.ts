/** Durations from 1 ms (a request that waits for nothing) to 5 s (a database in trouble). */
export const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Items per batched write: one when idle, up to the batcher's cap of 500 under load. */
export const BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500];
