import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { QUERY_TIMEOUT_MARGIN_MS, dataSourceOptions } from './data-source-options.js';
import { type RunningPostgres, startEmbeddedPostgres } from './embedded-postgres.js';
import { runMigrationsLocked } from './migrate.js';

/**
 * The service's database: the configured server, or an embedded PostgreSQL when DATABASE_URL is
 * unset. Opened (and migrated) before the service takes requests; closed last, pool first.
 */
export class Database implements OnApplicationShutdown {
  private static readonly logger = new Logger('Database');

  private constructor(
    readonly dataSource: DataSource,
    private readonly embedded: RunningPostgres | undefined,
  ) {}

  static async open(config: AppConfig): Promise<Database> {
    const embedded = config.databaseUrl
      ? undefined
      : await startEmbeddedPostgres({
          dataDir: join(config.dataDir, 'postgres'),
          database: 'media',
          log: (line) => Database.logger.log(line),
        });
    try {
      const url = config.databaseUrl ?? embedded!.url;
      const applied = await Database.migrate(url);
      if (applied.length > 0) Database.logger.log(`applied migrations: ${applied.join(', ')}`);
      const dataSource = new DataSource(
        dataSourceOptions(url, config.databasePoolSize, {
          statementMs: config.requestDeadlineMs,
          queryMs: config.requestDeadlineMs + QUERY_TIMEOUT_MARGIN_MS,
        }),
      );
      await dataSource.initialize();
      Database.logger.log(embedded ? 'using the embedded PostgreSQL' : 'using DATABASE_URL');
      return new Database(dataSource, embedded);
    } catch (error) {
      await embedded?.stop();
      throw error;
    }
  }

  /**
   * Migrations run on a connection of their own, without the service's statement timeouts: a
   * migration of a year of data may rightly take longer than any request may wait.
   */
  private static async migrate(url: string): Promise<string[]> {
    // Two connections: one holds the migration lock while the other migrates.
    const migrator = new DataSource(dataSourceOptions(url, 2));
    await migrator.initialize();
    try {
      return await runMigrationsLocked(migrator);
    } finally {
      await migrator.destroy();
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) {
      await this.dataSource.destroy();
      Database.logger.log('database pool closed');
    }
    if (this.embedded) {
      await this.embedded.stop();
      Database.logger.log('embedded PostgreSQL stopped');
    }
  }
}
