import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { type LifecycleSql, type LifecycleStatement, lifecycleStatement } from './lifecycle-sql.js';
import { type SessionLimits, limitsFrom } from './session-lifecycle.js';

/**
 * The session lifecycle every module uses (contract C3, C4): the limits the configuration sets,
 * and what "open", "live" and "expired" mean as SQL with their parameters.
 *
 * ```ts
 * const openNow = lifecycle.statement(1, (l) => `SELECT count(*) FROM sessions s WHERE ${l.live('s')} AND s.media_id = $1`);
 * await pool.rows(openNow.text, openNow.values([mediaId]));
 * ```
 */
@Injectable()
export class SessionLifecycle {
  readonly limits: SessionLimits;

  constructor(config: AppConfig) {
    this.limits = limitsFrom(config);
  }

  /** A statement with `ownParams` parameters of its own (`$1`…), the lifecycle's after them. */
  statement(ownParams: number, build: (lifecycle: LifecycleSql) => string): LifecycleStatement {
    return lifecycleStatement(this.limits, ownParams, build);
  }
}
