import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { SessionsRepository } from './sessions.repository.js';

const BATCH_SIZE = 1_000;

/**
 * Marks expired sessions closed every few seconds (contract C4). Requests never depend on it:
 * they judge expiry against the clock themselves. Safe with any number of instances running.
 */
@Injectable()
export class SessionSweeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(SessionSweeper.name);
  private readonly task = new PeriodicTask(() => this.sweep());

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  onApplicationBootstrap(): void {
    this.task.start(this.config.sessionSweepIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One sweep, in batches until nothing expired is left; overlapping calls share the run. */
  sweepOnce(): Promise<void> {
    return this.task.runOnce();
  }

  private async sweep(): Promise<void> {
    try {
      let closed: number;
      do {
        const reasons = await this.sessions.closeExpiredSessions(BATCH_SIZE);
        closed = reasons.length;
        for (const reason of reasons) this.metrics.sessionsClosed(reason);
        if (closed > 0) this.logger.debug(`closed ${closed} expired sessions`);
      } while (closed === BATCH_SIZE);
    } catch (error) {
      // The next tick retries; a database outage must not stop the timer.
      this.logger.warn(
        `session sweep failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
}
