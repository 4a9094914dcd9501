import { Logger, type OnApplicationShutdown } from '@nestjs/common';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { type AppConfig } from '../config/app-config.js';
import { dataSourceOptions } from './data-source-options.js';
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
      const dataSource = new DataSource(dataSourceOptions(url, config.databasePoolSize));
      await dataSource.initialize();
      const applied = await runMigrationsLocked(dataSource);
      if (applied.length > 0) Database.logger.log(`applied migrations: ${applied.join(', ')}`);
      Database.logger.log(embedded ? 'using the embedded PostgreSQL' : 'using DATABASE_URL');
      return new Database(dataSource, embedded);
    } catch (error) {
      await embedded?.stop();
      throw error;
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
