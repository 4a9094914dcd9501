import { Module } from '@nestjs/common';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ReportsMetrics } from './reports-metrics.js';
import { ReportsController } from './reports.controller.js';
import { ReportsRepository } from './reports.repository.js';
import { ReportsService } from './reports.service.js';
import { ReportsToken, ReportsTokenGuard } from './reports-token.guard.js';
import { SessionReporter } from './session-reporter.js';

/** Session reports (contract C5) and the reporting API (C9), beside the collection API. */
@Module({
  imports: [SessionsModule],
  controllers: [ReportsController],
  providers: [
    ReportsRepository,
    ReportsService,
    ReportsMetrics,
    ReportsToken,
    ReportsTokenGuard,
    SessionReporter,
  ],
  exports: [ReportsService],
})
export class ReportsModule {}
