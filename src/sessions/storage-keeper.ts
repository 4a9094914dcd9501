import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { PeriodicTask } from '../common/periodic-task.js';
import { AppConfig } from '../config/app-config.js';
import { SessionsRepository } from './sessions.repository.js';
import { dayNumber, dayStart } from './storage-days.js';

/** Partitions made ahead of today, so that a session starting tomorrow finds its own. */
const DAYS_AHEAD = 7;
const DELETE_BATCH = 10_000;

/** What one round did. */
export interface StorageRound {
  readonly partitionsCreated: number;
  readonly daysDropped: number[];
  /** Days past their retention kept because a session of theirs has no report yet. */
  readonly daysKept: number[];
  readonly sessionsDeleted: number;
}

/**
 * Keeps the disk flat: makes the event partitions of the days ahead, drops those past
 * `EVENTS_RETENTION_DAYS` (never before their sessions' reports are stored), and deletes sessions
 * and reports past `REPORTS_RETENTION_DAYS`. Every instance runs it; each step is safe when
 * several do. The first round runs before the service takes requests.
 */
@Injectable()
export class StorageKeeper implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(StorageKeeper.name);
  private readonly task = new PeriodicTask(async () => {
    try {
      await this.keep(new Date());
    } catch (error) {
      // The next round tries again; partitions are made a week ahead.
      this.logger.warn(
        `storage round failed: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  });

  constructor(
    private readonly sessions: SessionsRepository,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const today = dayNumber(new Date());
    await this.sessions.createEventPartitions(today - 1, today + DAYS_AHEAD);
    this.task.start(this.config.storageIntervalMs);
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.task.stop();
  }

  /** One round as if the time were `now` (the clock is a parameter for tests and simulations). */
  async keep(now: Date): Promise<StorageRound> {
    const today = dayNumber(now);
    const partitionsCreated = await this.sessions.createEventPartitions(
      today - 1,
      today + DAYS_AHEAD,
    );
    const daysDropped: number[] = [];
    const daysKept: number[] = [];
    const lastExpired = today - this.config.eventsRetentionDays - 1;
    for (const day of await this.sessions.eventDays()) {
      if (day > lastExpired) break;
      if ((await this.sessions.dropEventDay(day)) === 'dropped') daysDropped.push(day);
      else daysKept.push(day);
    }
    if (daysKept.length > 0) {
      this.logger.warn(
        `kept the events of ${daysKept.length} days past EVENTS_RETENTION_DAYS: sessions of theirs have no report yet`,
      );
    }
    const before = dayStart(today - this.config.reportsRetentionDays);
    let sessionsDeleted = 0;
    for (let deleted = DELETE_BATCH; deleted === DELETE_BATCH; sessionsDeleted += deleted) {
      deleted = await this.sessions.deleteSessionsBefore(before, DELETE_BATCH);
    }
    if (daysDropped.length > 0 || sessionsDeleted > 0) {
      this.logger.log(
        `removed the events of ${daysDropped.length} days and ${sessionsDeleted} sessions past retention`,
      );
    }
    return { partitionsCreated, daysDropped, daysKept, sessionsDeleted };
  }
}
