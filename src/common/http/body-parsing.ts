import { BadRequestException, UnsupportedMediaTypeException } from '@nestjs/common';
import { type IncomingHttpHeaders } from 'node:http';
import { type FastifyInstance } from 'fastify';
import { bodyCodingOf, inflatedBody } from './inflated-body.js';
import { jsonShapeProblem } from './json-shape.js';
import { capUnlessArray } from './object-body-cap.js';

/** The Content-Length a request declares, if it declares one Fastify will hold it to. */
function declaredLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

/** Whether a request says it carries a body; a GET's headers alone are never refused. */
function hasBody(headers: IncomingHttpHeaders): boolean {
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Content-Types that need no charset check. */
const PLAIN_TYPES = new Set(['application/json', 'text/plain', 'text/plain;charset=UTF-8']);

/** The UTF-8 labels a charset parameter may hold (WHATWG lists `utf8` beside `utf-8`). */
const UTF_8 = new Set(['utf-8', 'utf8']);

/** Whether every `charset` parameter of a Content-Type, quoted or not, names UTF-8 (none is fine). */
export function isUtf8ContentType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  return contentType
    .split(';')
    .slice(1)
    .every((parameter) => {
      const equals = parameter.indexOf('=');
      if (equals < 0 || parameter.slice(0, equals).trim().toLowerCase() !== 'charset') return true;
      const value = parameter.slice(equals + 1).trim();
      const unquoted = /^"(.*)"$/s.exec(value)?.[1] ?? value;
      return UTF_8.has(unquoted.toLowerCase());
    });
}

/** URLs under `prefix` take bodies nested up to `maxDepth` (another API's format nests deeper). */
export interface DeeperBodies {
  readonly prefix: string;
  readonly maxDepth: number;
}

/** A route's own cap; with `arraysOnly`, only a JSON array may use it (others keep the common cap). */
export interface RouteBodyLimit {
  readonly limit: number;
  readonly arraysOnly?: boolean;
}

/**
 * JSON bodies under `application/json` and `text/plain` (navigator.sendBeacon sends the latter),
 * in UTF-8 (contract C1); another charset, and every other type, is 415. A gzip or deflate body is
 * inflated before it is read; another Content-Encoding is 415. The size cap is Fastify's
 * `bodyLimit` and counts inflated bytes: 413 from Content-Length, or as soon as the body passes it,
 * without reading (or inflating) the rest. `routeBodyLimits` raises the cap for the routes named
 * (offline sessions).
 */
export function registerJsonBodyParsing(
  fastify: FastifyInstance,
  bodyLimit: number,
  routeBodyLimits: Readonly<Record<string, RouteBodyLimit>>,
  deeperBodies?: DeeperBodies,
): void {
  fastify.removeAllContentTypeParsers();
  // Before any route's own preParsing hooks, so that they see the body as inflated.
  fastify.addHook('preParsing', (request, _reply, payload, done) => {
    const { headers } = request;
    // What nearly every player sends: a plain UTF-8 body, nothing to check further.
    if (headers['content-encoding'] === undefined && PLAIN_TYPES.has(headers['content-type']!)) {
      return done(null, payload);
    }
    if (!hasBody(request.headers)) return done(null, payload);
    if (!isUtf8ContentType(request.headers['content-type'])) {
      return done(
        new UnsupportedMediaTypeException(
          'The request body must be UTF-8 (charset=utf-8 or none).',
        ),
      );
    }
    const coding = bodyCodingOf(request.headers['content-encoding']);
    if (coding === undefined) {
      return done(
        new UnsupportedMediaTypeException('Content-Encoding must be gzip, deflate or identity.'),
      );
    }
    if (coding === 'identity') return done(null, payload);
    done(null, inflatedBody(payload, coding, request.routeOptions.bodyLimit));
  });
  fastify.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'string' },
    (request, body, done) => {
      const text = body as string;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        done(new BadRequestException('The request body is not valid JSON.'), undefined);
        return;
      }
      const problem = jsonShapeProblem(
        value,
        deeperBodies && request.url.startsWith(deeperBodies.prefix)
          ? deeperBodies.maxDepth
          : undefined,
      );
      if (problem) {
        done(new BadRequestException(`The request body is refused: ${problem}.`), undefined);
        return;
      }
      done(null, value);
    },
  );
  fastify.addHook('onRoute', (route) => {
    const own = routeBodyLimits[route.url];
    if (own === undefined) return;
    route.bodyLimit = own.limit;
    if (!own.arraysOnly) return;
    const hooks = route.preParsing;
    route.preParsing = [
      ...(Array.isArray(hooks) ? hooks : hooks ? [hooks] : []),
      (request, _reply, payload, next) => {
        // An encoded body's Content-Length says nothing of its inflated size.
        const encoded = bodyCodingOf(request.headers['content-encoding']) !== 'identity';
        const declared = encoded ? undefined : declaredLength(request.headers['content-length']);
        next(null, capUnlessArray(payload, bodyLimit, declared));
      },
    ];
  });
}
