import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { PeriodicTask } from '../common/periodic-task.js';
import { AppConfig } from '../config/app-config.js';
import { type SessionReport } from '../media/metrics/session-report.js';
import { ReportsRepository } from './reports.repository.js';
import { ReportsService } from './reports.service.js';

/** Emitted once per session when its final report is stored; the payload is the report. */
export const SESSION_REPORTED = 'session.reported';

const BATCH = 100;

/**
 * Computes each closed session's report once and stores it. Workers on several instances claim
 * different sessions (`FOR UPDATE SKIP LOCKED`); a report and its session's mark commit together.
 */
@Injectable()
export class SessionReporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionReporter.name);
  private readonly task = new PeriodicTask(() => this.run());

  constructor(
    private readonly repository: ReportsRepository,
    private readonly reports: ReportsService,
    private readonly events: EventEmitter2,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(this.config.reportsIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** Reports every closed, unreported session; returns how many. Overlapping calls share a run. */
  reportClosedSessions(): Promise<number> {
    return this.task.runOnce();
  }

  private async run(): Promise<number> {
    let total = 0;
    try {
      for (;;) {
        const stored = await this.reportBatch();
        total += stored.length;
        for (const report of stored) this.events.emit(SESSION_REPORTED, report);
        if (stored.length < BATCH) return total;
      }
    } catch (error) {
      // The next tick retries; a database outage must not stop the timer.
      this.logger.warn(
        `reporting closed sessions failed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return total;
    }
  }

  private async reportBatch(): Promise<SessionReport[]> {
    return this.repository.dataSource.transaction(async ({ queryRunner }) => {
      const sessions = await this.repository.claimClosedUnreported(queryRunner!, BATCH);
      const reports = await this.reports.buildReports(sessions, queryRunner!);
      await this.repository.storeReports(queryRunner!, reports);
      return reports;
    });
  }
}
