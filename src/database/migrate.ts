import { type DataSource } from 'typeorm';

/** Any constant works; it only has to be the same for every instance of this service. */
const MIGRATION_LOCK_KEY = 0x6d6361; // "mca"

/**
 * Runs pending migrations under a PostgreSQL advisory lock, so several instances starting at once
 * migrate one after another and the later ones find nothing left to do.
 */
export async function runMigrationsLocked(dataSource: DataSource): Promise<string[]> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return applied.map((m) => m.name);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await runner.release();
  }
}
