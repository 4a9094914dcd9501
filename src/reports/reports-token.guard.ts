import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { type FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { newToken, storedToken } from './stored-token.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The reporting API's token (contract C9). Without REPORTS_API_TOKEN, the embedded mode keeps a
 * random one under DATA_DIR (made on the first start, the same after a restart); with a
 * DATABASE_URL, a random one is made for the run and logged once, so a first run can be explored
 * at once.
 */
@Injectable()
export class ReportsToken {
  private readonly expected: Buffer;

  constructor(config: AppConfig) {
    this.expected = digest(config.reportsApiToken ?? ReportsToken.unset(config));
  }

  private static unset(config: AppConfig): string {
    const logger = new Logger('Reports');
    if (config.databaseUrl === undefined) {
      const { token, file, made } = storedToken(config.dataDir);
      logger.warn(
        `REPORTS_API_TOKEN is not set; the reporting token ${made ? 'was made in' : 'is read from'} ${file}`,
      );
      return token;
    }
    const token = newToken();
    logger.warn(`REPORTS_API_TOKEN is not set; this run's reporting token is ${token}`);
    return token;
  }

  /** Constant time: digests of equal length are compared, so not even the length leaks. */
  matches(given: string): boolean {
    return timingSafeEqual(digest(given), this.expected);
  }
}

/** The credentials of `Authorization: Bearer <token>`; the scheme is case-insensitive (RFC 7235). */
const BEARER = /^Bearer +(\S+)$/i;

/** The token an Authorization header carries as a bearer token, if it carries one. */
export function bearerTokenOf(header: string | undefined): string | undefined {
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * Every reporting route needs `Authorization: Bearer <token>`; otherwise 401, whose
 * `WWW-Authenticate: Bearer` the exception filter adds (contract C9).
 */
@Injectable()
export class ReportsTokenGuard implements CanActivate {
  constructor(private readonly token: ReportsToken) {}

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const given = bearerTokenOf(header);
    if (given !== undefined && this.token.matches(given)) return true;
    throw new UnauthorizedException('The reporting API needs a valid bearer token.');
  }
}
