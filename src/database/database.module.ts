import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { Database } from './database.js';
import { SqlPool } from './sql-pool.js';

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
      useFactory: (source: DataSource) => new SqlPool(source),
      inject: [DataSource],
    },
  ],
  exports: [DataSource, SqlPool],
})
export class DatabaseModule {}
