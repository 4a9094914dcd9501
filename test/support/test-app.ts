import 'reflect-metadata';
import { type LoggerService, type ModuleMetadata } from '@nestjs/common';
import { type NestFastifyApplication } from '@nestjs/platform-fastify';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, inject } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/app-config.js';

/** Everything the service logged, for assertions. */
export class RecordingLogger implements LoggerService {
  readonly lines: Array<{ level: string; message: unknown; rest: unknown[] }> = [];
  log(message: unknown, ...rest: unknown[]) {
    this.lines.push({ level: 'log', message, rest });
  }
  error(message: unknown, ...rest: unknown[]) {
    this.lines.push({ level: 'error', message, rest });
  }
  warn(message: unknown, ...rest: unknown[]) {
    this.lines.push({ level: 'warn', message, rest });
  }
  debug() {}
  verbose() {}
  text(level: string): string {
    return JSON.stringify(this.lines.filter((l) => l.level === level));
  }
}

export interface TestApp {
  readonly app: NestFastifyApplication;
  readonly baseUrl: string;
  /** A separate pool for assertions about what is stored. */
  readonly db: pg.Pool;
  readonly logger: RecordingLogger;
  close(): Promise<void>;
}

/**
 * The real service over real HTTP on a free port, against the suite's PostgreSQL. `imports`:
 * further modules loaded beside the service's own (for example a `session.reported` listener).
 */
export async function startTestApp(
  env: Record<string, string> = {},
  imports: ModuleMetadata['imports'] = [],
): Promise<TestApp> {
  const databaseUrl = inject('databaseUrl');
  // Every test client is 127.0.0.1: the per-address session-start bucket is off unless a test
  // sets it (the tests of that bucket do).
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    PORT: '0',
    LOG_LEVEL: 'warn',
    SESSION_STARTS_PER_SECOND: '0',
    // The suite runs again with one session per statement, as on distributed tables (.ci/run).
    ...(process.env.SESSION_STATEMENTS
      ? { SESSION_STATEMENTS: process.env.SESSION_STATEMENTS }
      : {}),
    ...env,
  });
  const logger = new RecordingLogger();
  const app = await createApp(config, { logger, imports });
  await app.listen(0, '127.0.0.1');
  const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  return {
    app,
    baseUrl: await app.getUrl(),
    db,
    logger,
    async close() {
      await db.end();
      await app.close();
    },
  };
}

/** Every test starts from empty tables. */
export async function truncateAll(db: pg.Pool): Promise<void> {
  await db.query('TRUNCATE sessions, session_params, events, session_reports');
}

/**
 * Starts the service for a describe block and empties the tables before each test. The returned
 * object stands for the running app once `beforeAll` has run.
 */
export function useTestApp(
  env: Record<string, string> = {},
  imports: ModuleMetadata['imports'] = [],
): TestApp {
  let app: TestApp | undefined;
  const current = (): TestApp => {
    if (!app) throw new Error('the test app is used before beforeAll started it');
    return app;
  };
  beforeAll(async () => {
    app = await startTestApp(env, imports);
  });
  afterAll(async () => {
    await app?.close();
  });
  beforeEach(async () => {
    await truncateAll(current().db);
  });
  return {
    get app() {
      return current().app;
    },
    get baseUrl() {
      return current().baseUrl;
    },
    get db() {
      return current().db;
    },
    get logger() {
      return current().logger;
    },
    close: () => current().close(),
  };
}
