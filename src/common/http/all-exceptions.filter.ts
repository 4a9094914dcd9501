import { type ArgumentsHost, Catch, type ExceptionFilter, Logger } from '@nestjs/common';
import { type FastifyReply, type FastifyRequest } from 'fastify';
import { classifyClientError } from './client-errors.js';
import { applyCommonHeaders } from './cors-headers.js';
import { type ErrorEnvelope } from './error-envelope.js';

/**
 * The one place errors become responses (contract C6): what a client caused is a 4xx with the
 * envelope; anything else is a 500 that says nothing of internals, logged once under the request id.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const requestId = request.id;

    const client = classifyClientError(exception);
    const envelope: ErrorEnvelope = client
      ? { statusCode: client.status, message: client.message, errors: client.errors, requestId }
      : { statusCode: 500, message: 'Internal server error.', requestId };
    if (!client) {
      this.logger.error(
        { requestId, method: request.method, url: request.url, error: describe(exception) },
        exception instanceof Error ? exception.stack : undefined,
      );
    }

    if (reply.sent) return;
    applyCommonHeaders(reply);
    if (client?.headers) reply.headers(client.headers);
    void reply.status(envelope.statusCode).type('application/json').send(envelope);
  }
}

function describe(exception: unknown): string {
  return exception instanceof Error ? `${exception.name}: ${exception.message}` : String(exception);
}
