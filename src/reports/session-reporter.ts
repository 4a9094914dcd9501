import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { isDatabaseUnavailable } from '../common/http/database-unavailable.js';
import { PeriodicTask } from '../common/periodic-task.js';
import { AppConfig } from '../config/app-config.js';
import { ReportsPool } from '../database/reports-pool.js';
import { type SessionReport } from '../media/metrics/session-report.js';
import { ReportsMetrics } from './reports-metrics.js';
import { ReportsRepository, type SessionForReport } from './reports.repository.js';
import { ReportsService } from './reports.service.js';
import {
  type SetAsideReport,
  failureReason,
  interruptedReason,
  setAside,
} from './set-aside-report.js';

/** Emitted once per session when its final report is stored; the payload is the report. */
export const SESSION_REPORTED = 'session.reported';

/** Sessions claimed at once on their first attempt. */
const BATCH = 100;

/**
 * Sessions retried per run, one at a time: a session whose report failed is retried on the next
 * run, not at once, and a run is not spent on a few failing sessions.
 */
const RETRIES_PER_RUN = 10;
/**
 * How long a claimed session is left to the worker that claimed it, at least; past it, another
 * worker may take it (the first one crashed, or is stuck).
 */
const CLAIM_LEASE_MS = 60_000;

interface Outcome {
  readonly claimed: number;
  /** Reports computed and stored. */
  readonly stored: number;
  /** Sessions claimed that are still without a report (their attempt failed). */
  readonly unreported: readonly string[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Computes each closed session's report once and stores it. Workers on several instances claim
 * different sessions (`FOR UPDATE SKIP LOCKED`); a report and its session's mark commit together.
 *
 * Each attempt is counted (committed) before it is made. A report that fails is retried on the
 * next runs, one session at a time, and after `REPORT_MAX_ATTEMPTS` it is set aside: stored as
 * not computable with its reason, logged and counted. A session whose attempts all ended without
 * an outcome (the service stopped during each) is set aside the same way, so no session can stop
 * the service over and over. A report that fails never holds back the others of its batch.
 */
@Injectable()
export class SessionReporter implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionReporter.name);
  private readonly task = new PeriodicTask(() => this.run());
  private readonly maxAttempts: number;
  private stopping = false;
  private readonly claimLeaseMs: number;

  constructor(
    private readonly pool: ReportsPool,
    private readonly repository: ReportsRepository,
    private readonly reports: ReportsService,
    private readonly metrics: ReportsMetrics,
    private readonly events: EventEmitter2,
    private readonly config: AppConfig,
  ) {
    this.maxAttempts = config.reportMaxAttempts;
    // Longer than an attempt takes: each of its statements stops at the reporting query timeout.
    this.claimLeaseMs = Math.max(CLAIM_LEASE_MS, 6 * config.reportsQueryTimeoutMs);
  }

  onApplicationBootstrap(): void {
    this.task.start(this.config.reportsIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.task.stop();
  }

  /** Reports every closed, unreported session; returns how many. Overlapping calls share a run. */
  reportClosedSessions(): Promise<number> {
    return this.task.runOnce();
  }

  private async run(): Promise<number> {
    let total = 0;
    try {
      // Sessions that failed in this run wait for the next one.
      const failed: string[] = [];
      for (let more = true; more && !this.stopping;) {
        const fresh = await this.reportClaimed(false, BATCH, []);
        total += fresh.stored;
        failed.push(...fresh.unreported);
        more = fresh.claimed === BATCH;
      }
      for (let retries = 0; retries < RETRIES_PER_RUN && !this.stopping; retries += 1) {
        const retried = await this.reportClaimed(true, 1, failed);
        total += retried.stored;
        if (retried.claimed === 0) break;
        failed.push(...retried.unreported);
      }
    } catch (error) {
      // The next tick retries; a database outage must not stop the timer.
      this.logger.warn(`reporting closed sessions failed: ${message(error)}`);
    }
    return total;
  }

  /**
   * Claims up to `limit` sessions (fresh, or retried, but none of `exclude`) and reports them.
   */
  private async reportClaimed(
    retried: boolean,
    limit: number,
    exclude: readonly string[],
  ): Promise<Outcome> {
    const claimed = await this.pool.withConnection(undefined, (db) =>
      this.repository.claimForReport(db, retried, limit, this.claimLeaseMs, exclude),
    );
    if (claimed.length === 0) return { claimed: 0, stored: 0, unreported: [] };
    let stored: Array<SessionReport | SetAsideReport>;
    try {
      stored = await this.attempt(claimed);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        // An outage or a lock says nothing about these reports: the attempt is given back, so
        // that a slow database never sets a good report aside.
        await this.pool
          .withConnection(undefined, (db) =>
            this.repository.refundAttempts(
              db,
              claimed.map((s) => s.sessionId),
            ),
          )
          .catch(() => undefined);
        throw error;
      }
      // The database work failed as a whole: every session of it is charged this attempt and
      // is retried alone, so a session that fails the database work fails only itself.
      for (const session of claimed) this.failed(session, error);
      stored = await this.storeSetAside(
        claimed.filter((s) => s.attempts >= this.maxAttempts),
        error,
      );
    }
    let computed = 0;
    const reported = new Set<string>();
    for (const report of stored) {
      reported.add(report.sessionId);
      if ('computable' in report) {
        this.metrics.setAsideOne();
        this.logger.warn(
          `the report of session ${report.sessionId} is set aside: ${report.reason}`,
        );
      } else {
        computed += 1;
        this.events.emit(SESSION_REPORTED, report);
      }
    }
    const unreported = claimed.map((s) => s.sessionId).filter((sid) => !reported.has(sid));
    // This worker is done with them: a later pass may claim them again at once. (If this fails,
    // their lease runs out.)
    await this.pool
      .withConnection(undefined, (db) => this.repository.releaseClaims(db, unreported))
      .catch(() => undefined);
    return { claimed: claimed.length, stored: computed, unreported };
  }

  /**
   * One transaction: locks the claimed sessions still unreported, computes their reports (one
   * that throws fails alone), and stores the reports and the sessions set aside. Returns what
   * it stored.
   */
  private attempt(
    claimed: readonly SessionForReport[],
  ): Promise<Array<SessionReport | SetAsideReport>> {
    return this.pool.withConnection(undefined, (db) =>
      db.transaction('READ COMMITTED', async () => {
        const locked = await this.repository.lockUnreported(
          db,
          claimed.map((s) => s.sessionId),
        );
        const mine = claimed.filter((s) => locked.has(s.sessionId));
        // Another worker holds the others: this claim was no attempt at them.
        await this.repository.refundAttempts(
          db,
          claimed.filter((s) => !locked.has(s.sessionId)).map((s) => s.sessionId),
        );
        const toStore: Array<SessionReport | SetAsideReport> = [];
        const interrupted = mine.filter((s) => s.attempts > this.maxAttempts);
        for (const session of interrupted) {
          toStore.push(setAside(session.sessionId, interruptedReason(this.maxAttempts)));
        }
        const outcomes = await this.reports.computeReports(
          db,
          mine.filter((s) => s.attempts <= this.maxAttempts),
        );
        for (const outcome of outcomes) {
          if ('report' in outcome) {
            toStore.push(outcome.report);
            continue;
          }
          const { session, error } = outcome;
          this.failed(session, error);
          if (session.attempts >= this.maxAttempts) {
            toStore.push(setAside(session.sessionId, this.reasonOf(session, error)));
          }
        }
        const inserted = await this.repository.storeReports(db, toStore);
        return toStore.filter((report) => inserted.has(report.sessionId));
      }),
    );
  }

  /** Stores set-aside reports on their own, after the attempt's transaction failed. */
  private async storeSetAside(
    sessions: readonly SessionForReport[],
    error: unknown,
  ): Promise<SetAsideReport[]> {
    if (sessions.length === 0) return [];
    const reports = sessions.map((s) => setAside(s.sessionId, this.reasonOf(s, error)));
    try {
      const inserted = await this.pool.withConnection(undefined, (db) =>
        db.transaction('READ COMMITTED', async () => {
          const locked = await this.repository.lockUnreported(
            db,
            reports.map((r) => r.sessionId),
          );
          return this.repository.storeReports(
            db,
            reports.filter((r) => locked.has(r.sessionId)),
          );
        }),
      );
      return reports.filter((report) => inserted.has(report.sessionId));
    } catch (failure) {
      // Its next claim finds its attempts used up, and sets it aside then.
      this.logger.warn(`setting reports aside failed: ${message(failure)}`);
      return [];
    }
  }

  private reasonOf(session: SessionForReport, error: unknown): string {
    return failureReason(
      Math.min(session.attempts, this.maxAttempts),
      error,
      this.config.reportsQueryTimeoutMs,
    );
  }

  private failed(session: SessionForReport, error: unknown): void {
    this.metrics.failed('worker');
    this.logger.warn(
      `the report of session ${session.sessionId} failed (attempt ${session.attempts} of ${this.maxAttempts}): ${message(error)}`,
    );
  }
}
