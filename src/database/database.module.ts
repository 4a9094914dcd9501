import { Global, Logger, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { QUERY_TIMEOUT_MARGIN_MS } from './data-source-options.js';
import { Database } from './database.js';
import { ReportsPool } from './reports-pool.js';
import { SqlPool } from './sql-pool.js';
import { StatementRouting } from './statement-routing.js';

/** Provides the TypeORM `DataSource` (and its pool, for hot paths) to every module, migrated and ready. */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      useFactory: (config: AppConfig) => Database.open(config),
      inject: [AppConfig],
    },
    { provide: DataSource, useFactory: (db: Database) => db.dataSource, inject: [Database] },
    {
      provide: SqlPool,
      useFactory: (source: DataSource, config: AppConfig) =>
        new SqlPool(source, config.requestDeadlineMs + QUERY_TIMEOUT_MARGIN_MS),
      inject: [DataSource, AppConfig],
    },
    {
      provide: StatementRouting,
      useFactory: async (pool: SqlPool, config: AppConfig) => {
        const routing = await StatementRouting.resolve(pool, config.sessionStatements);
        new Logger(StatementRouting.name).log(routing.describe());
        return routing;
      },
      inject: [SqlPool, AppConfig],
    },
    {
      provide: ReportsPool,
      useFactory: (source: DataSource, config: AppConfig) => ReportsPool.of(source, config),
      inject: [DataSource, AppConfig],
    },
  ],
  exports: [DataSource, SqlPool, ReportsPool, StatementRouting],
})
export class DatabaseModule {}
