import { BadRequestException } from '@nestjs/common';
import { type FastifyInstance } from 'fastify';
import { jsonShapeProblem } from './json-shape.js';
import { capUnlessArray } from './object-body-cap.js';

/** The Content-Length a request declares, if it declares one Fastify will hold it to. */
function declaredLength(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d+$/.test(header)) return undefined;
  return Number(header);
}

/** A route's own cap; with `arraysOnly`, only a JSON array may use it (others keep the common cap). */
export interface RouteBodyLimit {
  readonly limit: number;
  readonly arraysOnly?: boolean;
}

/**
 * JSON bodies under `application/json` and `text/plain` (navigator.sendBeacon sends the latter),
 * any charset; every other type is 415 by Fastify. The size cap is Fastify's `bodyLimit`, which
 * answers 413 from Content-Length, or as soon as a chunked body passes it, without reading the rest.
 * `routeBodyLimits` raises the cap for the routes named (offline sessions).
 */
export function registerJsonBodyParsing(
  fastify: FastifyInstance,
  bodyLimit: number,
  routeBodyLimits: Readonly<Record<string, RouteBodyLimit>>,
): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'string' },
    (_request, body, done) => {
      const text = body as string;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        done(new BadRequestException('The request body is not valid JSON.'), undefined);
        return;
      }
      const problem = jsonShapeProblem(value);
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
      (request, _reply, payload, next) =>
        next(
          null,
          capUnlessArray(payload, bodyLimit, declaredLength(request.headers['content-length'])),
        ),
    ];
  });
}
