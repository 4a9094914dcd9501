import { Logger } from '@nestjs/common';
import { type FastifyInstance } from 'fastify';

/**
 * Without TRUST_PROXY, X-Forwarded-For is ignored and a proxy's clients all have its address: one
 * rate-limit bucket for every viewer behind it (contract C6). The first such request says so once.
 */
export function registerForwardedForWarning(fastify: FastifyInstance): void {
  let warned = false;
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (!warned && request.headers['x-forwarded-for'] !== undefined) {
      warned = true;
      new Logger('Proxy').warn(
        `A request from ${request.ip} carries X-Forwarded-For but TRUST_PROXY is not set: the ` +
          "header is ignored, so every viewer behind that proxy shares the proxy's address and " +
          'its rate-limit buckets. Set TRUST_PROXY to the proxy (a hop count or its addresses).',
      );
    }
    done();
  });
}
