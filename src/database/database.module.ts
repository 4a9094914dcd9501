import { Global, Module } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { Database } from './database.js';

/** Provides the TypeORM `DataSource` to every module, migrated and ready. */
@Global()
@Module({
  providers: [
    {
      provide: Database,
      useFactory: (config: AppConfig) => Database.open(config),
      inject: [AppConfig],
    },
    { provide: DataSource, useFactory: (db: Database) => db.dataSource, inject: [Database] },
  ],
  exports: [DataSource],
})
export class DatabaseModule {}
