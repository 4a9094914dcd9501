import { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';

/** The CORS headers every response carries (contract C6), as Adobe's collection servers send them. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'OPTIONS,POST,PUT',
  'access-control-allow-headers': 'Content-Type',
  'access-control-expose-headers': 'Location',
};

/**
 * Hardening for an API that answers JSON only: nothing may be sniffed, framed or run as a page,
 * and no referrer leaks. Cross-origin reads stay allowed, as CORS says. HSTS belongs to
 * the TLS proxy in front of the service, which knows whether the client came over HTTPS.
 */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'cross-origin',
};

/** Answers are not cached unless a route says otherwise (the published JSON Schemas do). */
export const DEFAULT_CACHE_CONTROL = 'no-store';

const COMMON_HEADERS = { ...CORS_HEADERS, ...SECURITY_HEADERS };

export const REQUEST_ID_HEADER = 'x-request-id';

/** The CORS headers of the answers to one request, where another API than the MCA's has its own. */
export type CorsPolicy = (request: FastifyRequest) => Readonly<Record<string, string>>;

/** Per server: URL prefixes whose answers carry their own CORS headers instead of CORS_HEADERS. */
const corsPolicies = new WeakMap<FastifyInstance, ReadonlyArray<readonly [string, CorsPolicy]>>();

/** Answers to requests under `prefix` carry the CORS headers `policy` gives (instead of `*`). */
export function registerCorsPolicy(
  fastify: FastifyInstance,
  prefix: string,
  policy: CorsPolicy,
): void {
  corsPolicies.set(fastify, [...(corsPolicies.get(fastify) ?? []), [prefix, policy]]);
}

function ownCorsPolicy(reply: FastifyReply): CorsPolicy | undefined {
  const policies = corsPolicies.get(reply.server);
  if (!policies) return undefined;
  const { url } = reply.request;
  return policies.find(([prefix]) => url.startsWith(prefix))?.[1];
}

/** Sets the headers every response needs, successes and errors alike. */
export function applyCommonHeaders(reply: FastifyReply): void {
  const policy = ownCorsPolicy(reply);
  if (policy) reply.headers(SECURITY_HEADERS).headers(policy(reply.request));
  else reply.headers(COMMON_HEADERS);
  reply.header(REQUEST_ID_HEADER, reply.request.id);
  if (!reply.hasHeader('cache-control')) reply.header('cache-control', DEFAULT_CACHE_CONTROL);
}

/**
 * Every answer carries the common headers from the moment its request arrives, so that routes,
 * the exception filter and Fastify's own answers (404, 413, 415) all send them, and a route may
 * still set its own Cache-Control. URLs under `pagesPrefix` are pages with their own headers.
 * A Fastify hook rather than a Nest interceptor: measured on the ping load, the interceptor chain
 * (rxjs) was about a tenth of the service's CPU per request.
 */
export function registerCommonHeaders(fastify: FastifyInstance, pagesPrefix: string): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.url.startsWith(pagesPrefix)) applyCommonHeaders(reply);
    done();
  });
}
