import { type DynamicModule, Module, type ModuleMetadata } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { EdgeModule } from './edge/edge.module.js';
import { CommonModule } from './common/common.module.js';
import { type AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { HealthModule } from './health/health.module.js';
import { LifecycleModule } from './lifecycle/lifecycle.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { ReportsModule } from './reports/reports.module.js';
import { SchemasModule } from './schemas/schemas.module.js';
import { SessionsModule } from './sessions/sessions.module.js';

@Module({})
export class AppModule {
  /** `extensions`: further modules, e.g. one that listens for `session.reported`. */
  static forRoot(config: AppConfig, extensions: ModuleMetadata['imports'] = []): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        DatabaseModule,
        LifecycleModule,
        MetricsModule,
        CommonModule,
        HealthModule,
        SessionsModule,
        EdgeModule.forRoot(config.edgeBasePath),
        SchemasModule,
        ReportsModule,
        EventEmitterModule.forRoot(),
        ...extensions,
      ],
    };
  }
}
