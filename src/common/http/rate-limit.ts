import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { sendErrorEnvelope } from './error-reply.js';
import { TokenBuckets } from './token-buckets.js';

export interface BucketOptions {
  /** Tokens per second per client address; 0 turns the bucket off. */
  readonly ratePerSecond: number;
  readonly burst: number;
}

export interface RateLimitOptions extends BucketOptions {
  /**
   * A second, smaller bucket per address for starting sessions (contract C6): an office behind
   * one address starts far fewer sessions than it sends pings. Charged on POSTs to `paths` only.
   */
  readonly sessionStarts?: BucketOptions & { readonly paths: readonly string[] };
}

/** Probes from the operator's own monitoring are never limited. */
const EXEMPT = /^\/(health|metrics)(\/|\?|$)/;
const PRUNE_INTERVAL_MS = 60_000;

/** Token buckets per client address, pruned in the background while the server runs. */
function bucketsFor(fastify: FastifyInstance, options: BucketOptions): TokenBuckets | undefined {
  if (options.ratePerSecond <= 0) return undefined;
  const buckets = new TokenBuckets(options.ratePerSecond, options.burst);
  const pruning = setInterval(() => buckets.prune(Date.now()), PRUNE_INTERVAL_MS).unref();
  fastify.addHook('onClose', (_instance, done) => {
    clearInterval(pruning);
    done();
  });
  return buckets;
}

function refuse(reply: FastifyReply, wait: number, what: string): void {
  void sendErrorEnvelope(
    reply,
    { statusCode: 429, message: `Too many ${what} from this address; retry in ${wait} s.` },
    { 'retry-after': String(wait) },
  );
}

function isSessionStart(request: FastifyRequest, paths: ReadonlySet<string>): boolean {
  const url = request.routeOptions.url;
  return request.method === 'POST' && url !== undefined && paths.has(url);
}

/**
 * Limits requests per client address (contract C6: 429 with Retry-After), and session starts
 * apart. It runs before the body is read, so a flood costs the service as little as possible.
 * Behind a proxy the address is the one the proxy forwarded (TRUST_PROXY).
 */
export function registerRateLimit(fastify: FastifyInstance, options: RateLimitOptions): void {
  const requests = bucketsFor(fastify, options);
  const starts = options.sessionStarts && bucketsFor(fastify, options.sessionStarts);
  if (!requests && !starts) return;
  const startPaths = new Set(options.sessionStarts?.paths ?? []);
  fastify.addHook('onRequest', (request, reply, done) => {
    if (EXEMPT.test(request.url)) return done();
    const now = Date.now();
    const wait = requests?.take(request.ip, now) ?? 0;
    if (wait > 0) return refuse(reply, wait, 'requests');
    const startWait =
      starts && isSessionStart(request, startPaths) ? starts.take(request.ip, now) : 0;
    if (startWait > 0) return refuse(reply, startWait, 'session starts');
    done();
  });
}
