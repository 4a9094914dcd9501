import { BadRequestException } from '@nestjs/common';
import { type FastifyInstance } from 'fastify';
import { jsonShapeProblem } from './json-shape.js';

/**
 * JSON bodies under `application/json` and `text/plain` (navigator.sendBeacon sends the latter),
 * any charset; every other type is 415 by Fastify. The size cap is Fastify's `bodyLimit`, which
 * answers 413 from Content-Length, or as soon as a chunked body passes it, without reading the rest.
 * `routeBodyLimits` raises the cap for the routes named (the offline batch upload).
 */
export function registerJsonBodyParsing(
  fastify: FastifyInstance,
  routeBodyLimits: Readonly<Record<string, number>>,
): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'string' },
    (_request, body, done) => {
      let value: unknown;
      try {
        value = JSON.parse(body as string);
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
    const limit = routeBodyLimits[route.url];
    if (limit !== undefined) route.bodyLimit = limit;
  });
}
