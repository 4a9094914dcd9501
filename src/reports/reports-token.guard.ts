import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { type FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/**
 * The reporting API needs `Authorization: Bearer <REPORTS_API_TOKEN>` (contract C9), compared in
 * constant time (digests of equal length, so not even the length leaks). Without a configured
 * token, a random one is made at start and logged once.
 */
@Injectable()
export class ReportsTokenGuard implements CanActivate {
  private readonly expected: Buffer;

  constructor(config: AppConfig) {
    let token = config.reportsApiToken;
    if (!token) {
      token = randomBytes(24).toString('hex');
      new Logger('Reports').warn(
        `REPORTS_API_TOKEN is not set; this run's reporting token is ${token}`,
      );
    }
    this.expected = digest(token);
  }

  canActivate(context: ExecutionContext): boolean {
    const header = context.switchToHttp().getRequest<FastifyRequest>().headers.authorization;
    const given = typeof header === 'string' ? /^Bearer (\S+)$/.exec(header)?.[1] : undefined;
    if (given !== undefined && timingSafeEqual(digest(given), this.expected)) return true;
    throw new UnauthorizedException('The reporting API needs a valid bearer token.');
  }
}
