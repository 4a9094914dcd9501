import { type FastifyInstance } from 'fastify';
import { sendErrorEnvelope } from './error-reply.js';

interface KnownRoute {
  readonly pattern: RegExp;
  readonly methods: readonly string[];
  /** Answers CORS preflights only: it lists OPTIONS on a known path but makes no path known. */
  readonly preflightOnly: boolean;
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A route's URL as the router matches it: `:name` is one path segment, `*` the rest of the path. */
export function routePattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return escaped(segment);
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * The methods the service answers on each path, learnt from the routes as they are registered
 * (Fastify's `findRoute`/`hasRoute` take a route's pattern, not a request's URL).
 */
export class KnownRoutes {
  private readonly routes: KnownRoute[] = [];

  add(url: string, methods: string | readonly string[]): void {
    const list = typeof methods === 'string' ? [methods] : methods;
    const preflightOnly = list.every((method) => method === 'OPTIONS');
    this.routes.push({ pattern: routePattern(url), methods: list, preflightOnly });
  }

  /** The methods served on `path`, sorted; undefined when only preflight routes match it. */
  allowedOn(path: string): string[] | undefined {
    const matching = this.routes.filter((route) => route.pattern.test(path));
    if (!matching.some((route) => !route.preflightOnly)) return undefined;
    return [...new Set(matching.flatMap((route) => route.methods))].sort();
  }
}

/**
 * A known path asked with a method it does not serve is 405 with `Allow` (contract C6), sent
 * before the body is read; a path no route knows stays 404. Register before the routes are.
 */
export function registerMethodNotAllowed(fastify: FastifyInstance): void {
  const known = new KnownRoutes();
  fastify.addHook('onRoute', (route) => known.add(route.url, route.method));
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!request.is404) return done();
    const query = request.url.indexOf('?');
    const allowed = known.allowedOn(query < 0 ? request.url : request.url.slice(0, query));
    // A method the path serves, on a URL the router still refused (a `#` or an odd byte in a
    // segment), is no wrong method: it stays 404.
    if (allowed === undefined || allowed.includes(request.method)) return done();
    void sendErrorEnvelope(
      reply,
      {
        statusCode: 405,
        message: `This path does not answer ${request.method.slice(0, 20)}; it answers ${allowed.join(', ')}.`,
      },
      { allow: allowed.join(', ') },
    );
  });
}
