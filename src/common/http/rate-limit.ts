import { type FastifyInstance } from 'fastify';
import { sendErrorEnvelope } from './error-reply.js';
import { TokenBuckets } from './token-buckets.js';

export interface RateLimitOptions {
  readonly ratePerSecond: number;
  readonly burst: number;
}

/** Probes from the operator's own monitoring are never limited. */
const EXEMPT = /^\/(health|metrics)(\/|\?|$)/;
const PRUNE_INTERVAL_MS = 60_000;

/**
 * Limits requests per client address (contract C6: 429 with Retry-After). It runs before the body
 * is read, so a flood costs the service as little as possible. Behind a proxy the address is the
 * one the proxy forwarded (TRUST_PROXY).
 */
export function registerRateLimit(fastify: FastifyInstance, options: RateLimitOptions): void {
  if (options.ratePerSecond <= 0) return;
  const buckets = new TokenBuckets(options.ratePerSecond, options.burst);
  const pruning = setInterval(() => buckets.prune(Date.now()), PRUNE_INTERVAL_MS).unref();
  fastify.addHook('onClose', (_instance, done) => {
    clearInterval(pruning);
    done();
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT.test(request.url)) return done();
    const wait = buckets.take(request.ip, Date.now());
    if (wait === 0) return done();
    void sendErrorEnvelope(
      reply,
      {
        statusCode: 429,
        message: `Too many requests from this address; retry in ${wait} s.`,
      },
      { 'retry-after': String(wait) },
    );
  });
}
