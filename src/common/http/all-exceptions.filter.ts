import {
  type ArgumentsHost,
  Catch,
  type ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { type ClientError, classifyClientError } from './client-errors.js';
import { UNAVAILABLE_RETRY_AFTER_SECONDS, isDatabaseUnavailable } from './database-unavailable.js';
import { sendErrorEnvelope } from './error-reply.js';

const UNAVAILABLE: ClientError = {
  status: HttpStatus.SERVICE_UNAVAILABLE,
  message: 'The service cannot store data right now; retry later.',
  headers: { 'retry-after': String(UNAVAILABLE_RETRY_AFTER_SECONDS) },
};

/** While the database is away every request fails alike: one log line per interval, with a count. */
const UNAVAILABLE_LOG_INTERVAL_MS = 5_000;

/**
 * The one place errors become responses (contract C6): what a client caused is a 4xx with the
 * envelope; an unreachable database is a 503 with Retry-After; anything else is a 500 that says
 * nothing of internals, logged once under the request id.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');
  private unavailableSince = 0;
  private unavailableCount = 0;

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();

    const answer = classifyClientError(exception) ?? this.unavailable(exception);
    if (!answer) {
      this.logger.error(
        {
          requestId: request.id,
          method: request.method,
          url: request.url,
          error: describe(exception),
        },
        exception instanceof Error ? exception.stack : undefined,
      );
    }
    if (reply.sent) return;
    void sendErrorEnvelope(
      reply,
      answer
        ? { statusCode: answer.status, message: answer.message, errors: answer.errors }
        : { statusCode: 500, message: 'Internal server error.' },
      answer?.headers,
    );
  }

  private unavailable(exception: unknown): ClientError | undefined {
    const is503 =
      exception instanceof HttpException &&
      exception.getStatus() === (HttpStatus.SERVICE_UNAVAILABLE as number);
    if (!is503 && !isDatabaseUnavailable(exception)) return undefined;
    this.unavailableCount += 1;
    const now = Date.now();
    if (now - this.unavailableSince >= UNAVAILABLE_LOG_INTERVAL_MS) {
      this.logger.warn(
        `answering 503: the database is unavailable (${describe(exception)}); ` +
          `${this.unavailableCount} such answers since the last report`,
      );
      this.unavailableSince = now;
      this.unavailableCount = 0;
    }
    return UNAVAILABLE;
  }
}

function describe(exception: unknown): string {
  return exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception);
}
