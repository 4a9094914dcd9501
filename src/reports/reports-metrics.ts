import { Injectable } from '@nestjs/common';
import { Counter, Gauge } from 'prom-client';
import { ReportsPool } from '../database/reports-pool.js';
import { Metrics } from '../metrics/metrics.js';

/** Where a report was being computed when it failed (the `source` label). */
export type ReportSource = 'worker' | 'request';

/** The reports' own series of `/metrics`, in the service's registry; a scrape runs no query. */
@Injectable()
export class ReportsMetrics {
  private readonly failures: Counter;
  private readonly setAside: Counter;

  constructor(metrics: Metrics, pool: ReportsPool) {
    const registers = [metrics.registry];
    this.failures = new Counter({
      name: 'mca_report_failures_total',
      help: 'Attempts at a session report that failed: by the report worker (retried, then set aside) or for a request (the session is left out of its summary).',
      labelNames: ['source'],
      registers,
    });
    this.setAside = new Counter({
      name: 'mca_reports_set_aside_total',
      help: 'Closed sessions stored as not computable after their attempts failed.',
      registers,
    });
    for (const source of ['worker', 'request'] satisfies ReportSource[])
      this.failures.inc({ source }, 0);
    new Gauge({
      name: 'mca_reports_pool_connections',
      help: 'Connections of the reports pool (apart from ingestion): total open, and idle among them.',
      labelNames: ['state'],
      registers,
      collect() {
        const usage = pool.usage();
        this.set({ state: 'total' }, usage.total);
        this.set({ state: 'idle' }, usage.idle);
      },
    });
    new Gauge({
      name: 'mca_reports_pool_waiting',
      help: 'Reporting work waiting for a connection of the reports pool.',
      registers,
      collect() {
        this.set(pool.usage().waiting);
      },
    });
  }

  failed(source: ReportSource): void {
    this.failures.inc({ source });
  }

  setAsideOne(): void {
    this.setAside.inc();
  }
}
