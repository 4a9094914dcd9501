import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PeriodicTask } from '../common/periodic-task.js';
import { AppConfig } from '../config/app-config.js';
import { SqlPool } from '../database/sql-pool.js';
import { type AppendOutcome, type CloseReason } from '../lifecycle/session-lifecycle.js';
import { BATCH_SIZE_BUCKETS, SECONDS_BUCKETS } from './buckets.js';
import { HttpMetrics } from './http-metrics.js';
import { RefreshedValue } from './refreshed-value.js';
import { RenderBudget } from './render-budget.js';

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

/**
 * A background refresh waits this long for a database-derived gauge; a later answer still counts
 * (see RefreshedValue), this only bounds a refresh's turn and how long shutdown waits for it.
 */
const DATABASE_GAUGE_TIMEOUT_MS = 2_000;

/**
 * Renders per second (and at once) before further scrapes wait for, and share, the next one: far
 * above any monitoring pace, and about 1 % of the event loop however many clients loop on
 * `/metrics`.
 */
const RENDERS_PER_SECOND = 20;

/**
 * The service's Prometheus metrics (`GET /metrics`), in a registry of this app's own: tests run
 * several apps in one process, and prom-client's global registry would mix them. A scrape runs
 * no query: what comes from the database is read in the background every
 * `metricsRefreshIntervalMs`, and a scrape shows the last reading with its age.
 */
@Injectable()
export class Metrics implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  readonly registry = new Registry();
  readonly http = new HttpMetrics(this.registry);
  readonly contentType = this.registry.contentType;
  private readonly renders = new RenderBudget(() => this.registry.metrics(), {
    rendersPerSecond: RENDERS_PER_SECOND,
    burst: RENDERS_PER_SECOND,
  });

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

  private openSessions: RefreshedValue | undefined;
  private readonly refreshTask = new PeriodicTask(() => this.refreshAll());
  /** The age reported while nothing database-derived is wired: since the start. */
  private readonly createdAt = performance.now();

  constructor(
    pool: SqlPool,
    private readonly config: AppConfig,
  ) {
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
      help: 'Sessions not marked closed, as last counted in the background; an expired one counts until the sweep marks it.',
      registers: [this.registry],
      collect: () => {
        const count = this.openSessions?.value;
        if (count !== undefined) open.set(count);
      },
    });
    const age: Gauge = new Gauge({
      name: 'mca_db_gauges_age_seconds',
      help: 'Seconds since the database-derived gauges (mca_sessions_open) were last read; it grows while the database does not answer.',
      registers: [this.registry],
      collect: () => {
        age.set(this.openSessions?.ageSeconds() ?? (performance.now() - this.createdAt) / 1_000);
      },
    });
  }

  /** How `mca_sessions_open` is counted in the background (the sessions module owns that SQL). */
  countOpenSessionsWith(count: () => Promise<number>): void {
    this.openSessions = new RefreshedValue(count, {
      timeoutMs: DATABASE_GAUGE_TIMEOUT_MS,
      onError: (error) =>
        this.logger.warn(
          `open sessions not counted: ${error instanceof Error ? error.message : String(error)}`,
        ),
    });
  }

  /** The first reading at once (not awaited: the start does not wait on it), then on the interval. */
  onApplicationBootstrap(): void {
    void this.refreshTask.runOnce();
    this.refreshTask.start(this.config.metricsRefreshIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.refreshTask.stop();
  }

  /**
   * Reads the database-derived gauges now. A refresh already in progress may have read before
   * this call, so it is waited for first and a fresh one follows.
   */
  async refreshDatabaseGauges(): Promise<void> {
    await this.refreshTask.runOnce();
    await this.refreshTask.runOnce();
  }

  /** The exposition a scrape answers (see RenderBudget). */
  render(): Promise<string> {
    return this.renders.text();
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

  private async refreshAll(): Promise<void> {
    // A read still out after its timeout is reported once; the age gauge shows how long since.
    if ((await this.openSessions?.refresh()) === 'timed-out') {
      this.logger.warn(
        `open sessions not counted within ${DATABASE_GAUGE_TIMEOUT_MS} ms; the last count stands`,
      );
    }
  }
}
