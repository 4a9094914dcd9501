import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { SqlPool } from '../database/sql-pool.js';
import { type AppendOutcome, type CloseReason } from '../sessions/sessions.repository.js';
import { BATCH_SIZE_BUCKETS, SECONDS_BUCKETS } from './buckets.js';
import { HttpMetrics } from './http-metrics.js';

/** What a batched write carries (the `kind` label). */
export type BatchKind = 'events' | 'session-starts';

/** Every value of the bounded labels, so each series is exported (at 0) before it first counts. */
const BATCH_KINDS = { events: 0, 'session-starts': 0 } satisfies Record<BatchKind, 0>;
const CLOSE_REASONS = {
  end: 0,
  complete: 0,
  idle: 0,
  stalled: 0,
  'max-duration': 0,
  downloaded: 0,
} satisfies Record<CloseReason, 0>;
const EVENT_OUTCOMES = {
  accepted: 0,
  retry: 0,
  ignored: 0,
  unknown: 0,
  closed: 0,
  capped: 0,
} satisfies Record<AppendOutcome, 0>;
const keys = <K extends string>(values: Record<K, 0>) => Object.keys(values) as K[];

/** A scrape waits this long at most for the open-session count; meanwhile the last value stands. */
const OPEN_SESSIONS_TIMEOUT_MS = 1_000;

/**
 * The service's Prometheus metrics (`GET /metrics`), in a registry of this app's own: tests run
 * several apps in one process, and prom-client's global registry would mix them.
 */
@Injectable()
export class Metrics {
  private readonly logger = new Logger('Metrics');
  readonly registry = new Registry();
  readonly http = new HttpMetrics(this.registry);

  private readonly batchSize = new Histogram({
    name: 'mca_batch_size',
    help: 'Items per batched database write (events, or session starts), failed writes included.',
    labelNames: ['kind'],
    buckets: BATCH_SIZE_BUCKETS,
    registers: [this.registry],
  });
  private readonly batchDuration = new Histogram({
    name: 'mca_batch_write_duration_seconds',
    help: 'Time one batched database write took (its statement and commit), failed writes included.',
    labelNames: ['kind'],
    buckets: SECONDS_BUCKETS,
    registers: [this.registry],
  });
  private readonly batchFailures = new Counter({
    name: 'mca_batch_failures_total',
    help: 'Batched writes that failed; every request in such a batch got an error.',
    labelNames: ['kind'],
    registers: [this.registry],
  });
  private readonly started = new Counter({
    name: 'mca_sessions_started_total',
    help: 'Sessions stored: online sessionStarts and downloaded sessions.',
    registers: [this.registry],
  });
  private readonly closed = new Counter({
    name: 'mca_sessions_closed_total',
    help: 'Sessions closed, by reason (end, idle, stalled, max-duration, downloaded).',
    labelNames: ['reason'],
    registers: [this.registry],
  });
  private readonly events = new Counter({
    name: 'mca_events_total',
    help: 'Events with a valid body sent to a session: accepted (stored, or a retry of a stored one), unknown, closed or capped.',
    labelNames: ['outcome'],
    registers: [this.registry],
  });

  private countOpenSessions: (() => Promise<number>) | undefined;

  constructor(pool: SqlPool) {
    collectDefaultMetrics({ register: this.registry });
    for (const kind of keys(BATCH_KINDS)) {
      this.batchSize.zero({ kind });
      this.batchDuration.zero({ kind });
      this.batchFailures.inc({ kind }, 0);
    }
    for (const reason of keys(CLOSE_REASONS)) this.closed.inc({ reason }, 0);
    for (const outcome of keys(EVENT_OUTCOMES)) this.events.inc({ outcome }, 0);

    new Gauge({
      name: 'mca_db_pool_connections',
      help: 'Connections of the database pool: total open, and idle among them.',
      labelNames: ['state'],
      registers: [this.registry],
      collect() {
        const usage = pool.usage();
        this.set({ state: 'total' }, usage.total);
        this.set({ state: 'idle' }, usage.idle);
      },
    });
    new Gauge({
      name: 'mca_db_pool_waiting',
      help: 'Queries waiting for a connection of the database pool.',
      registers: [this.registry],
      collect() {
        this.set(pool.usage().waiting);
      },
    });
    const open: Gauge = new Gauge({
      name: 'mca_sessions_open',
      help: 'Sessions not marked closed; an expired one counts until the sweep marks it.',
      registers: [this.registry],
      collect: async () => {
        const count = await this.openSessions();
        if (count !== undefined) open.set(count);
      },
    });
  }

  /** How `mca_sessions_open` is counted at scrape time (the sessions module owns that SQL). */
  countOpenSessionsWith(count: () => Promise<number>): void {
    this.countOpenSessions = count;
  }

  /** A MicroBatcher `onBatch` observer for one kind of write. */
  batchObserver(kind: BatchKind): (size: number, seconds: number, ok: boolean) => void {
    const size = this.batchSize.labels(kind);
    const duration = this.batchDuration.labels(kind);
    const failures = this.batchFailures.labels(kind);
    return (items, seconds, ok) => {
      size.observe(items);
      duration.observe(seconds);
      if (!ok) failures.inc();
    };
  }

  sessionsStarted(count = 1): void {
    this.started.inc(count);
  }

  sessionsClosed(reason: CloseReason, count = 1): void {
    if (count > 0) this.closed.inc({ reason }, count);
  }

  /** Counts a batch's outcomes with one increment per outcome, not one per event. */
  eventOutcomes(outcomes: readonly AppendOutcome[]): void {
    let accepted = 0;
    for (const outcome of outcomes) {
      if (outcome === 'accepted') accepted += 1;
      else this.events.inc({ outcome });
    }
    if (accepted > 0) this.events.inc({ outcome: 'accepted' }, accepted);
  }

  private async openSessions(): Promise<number | undefined> {
    if (!this.countOpenSessions) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), OPEN_SESSIONS_TIMEOUT_MS);
    });
    try {
      // A scrape must not fail, nor hang, because the database does.
      return await Promise.race([this.countOpenSessions(), timeout]);
    } catch (error) {
      this.logger.debug(`open sessions not counted: ${String(error)}`);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
