import { type FastifyInstance } from 'fastify';
import { type Logger } from 'pino';
import { logSafe } from './log-safe.js';

/**
 * One line per request at debug level (LOG_LEVEL=debug), with the request id Fastify adds. The
 * URL is the client's: it is cut to a bounded length like every client string in the logs.
 */
export function registerAccessLog(fastify: FastifyInstance, logger: Logger): void {
  // Checked once: the level is fixed at start, and the hook then costs nothing per request.
  if (!logger.isLevelEnabled('debug')) return;
  fastify.addHook('onResponse', (request, reply, done) => {
    request.log.debug(
      {
        method: request.method,
        url: logSafe(request.url),
        route: request.routeOptions.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      },
      'request',
    );
    done();
  });
}
