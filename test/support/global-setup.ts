import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

/**
 * The e2e database: DATABASE_URL when set (CI runs the suite once more on the machine's server),
 * otherwise a throwaway embedded PostgreSQL, so `npm test` needs no database server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const given = process.env.DATABASE_URL;
  if (given) {
    assertTestDatabase(given);
    await resetSchema(given);
    project.provide('databaseUrl', given);
    return async () => {};
  }
  const dir = await mkdtemp(join(tmpdir(), 'mca-test-'));
  // PostgreSQL runs as its own user when the suite runs as root; it must reach its folder.
  await chmod(dir, 0o755);
  const postgres = await startEmbeddedPostgres({
    dataDir: join(dir, 'postgres'),
    database: 'media_test',
    fsync: false,
    // Only FATAL and PANIC lines reach here: a database that dies under a suite says why.
    log: (line) => process.stderr.write(`embedded PostgreSQL: ${line}\n`),
  });
  project.provide('databaseUrl', postgres.url);
  return async () => {
    await postgres.stop();
    await rm(dir, { recursive: true, force: true });
  };
}

/** The suite truncates tables: refuse any database whose name does not say it is for tests. */
export function assertTestDatabase(url: string): void {
  const name = new URL(url).pathname.slice(1);
  if (!/test/i.test(name)) {
    throw new Error(
      `Refusing to run e2e tests against database "${name}": its name must contain "test".`,
    );
  }
}

/** A server database outlives runs: start each run from an empty schema, so migrations run from zero. */
async function resetSchema(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('DROP SCHEMA public CASCADE');
    await client.query('CREATE SCHEMA public');
  } finally {
    await client.end();
  }
}
