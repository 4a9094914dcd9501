import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { SessionsService } from '../sessions/sessions.service.js';

/** Readiness waits this long for the database; a slower one is not ready. */
const READY_DEADLINE_MS = 1_000;

@ApiTags('operations')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly sessions: SessionsService,
  ) {}

  /** Liveness: the process answers. Restarting it will not fix the database, so that is not checked. */
  @Get()
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  /**
   * Readiness: a write could start within a second — a connection, and the locks an insert takes
   * (a table locked by a migration or by hand holds every write, though `SELECT 1` still answers),
   * and room in the write queue; 503 otherwise.
   */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () =>
        this.indicators
          .check('database')
          .attempt(() => this.sessions.probeWritable(READY_DEADLINE_MS))
          .withTimeout(READY_DEADLINE_MS),
    ]);
  }
}
