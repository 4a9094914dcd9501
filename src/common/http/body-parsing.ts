import { BadRequestException, PayloadTooLargeException } from '@nestjs/common';
import { type FastifyInstance } from 'fastify';
import { jsonShapeProblem } from './json-shape.js';

/** UTF-8 takes at most 3 bytes for one UTF-16 unit, so a string this short is within any byte cap. */
const fitsSurely = (text: string, limit: number) => text.length * 3 <= limit;

/** An offline session is a JSON array (contract C1); anything else keeps the object cap. */
const isArrayText = (text: string) => /^\s*\[/.test(text);

/**
 * JSON bodies under `application/json` and `text/plain` (navigator.sendBeacon sends the latter),
 * any charset; every other type is 415 by Fastify. The size cap is Fastify's `bodyLimit`, which
 * answers 413 from Content-Length, or as soon as a chunked body passes it, without reading the rest.
 * `arrayBodyLimits` raises the cap for JSON arrays (offline sessions) on the routes named; other
 * bodies there keep `bodyLimit`.
 */
export function registerJsonBodyParsing(
  fastify: FastifyInstance,
  bodyLimit: number,
  arrayBodyLimits: Readonly<Record<string, number>>,
): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser(
    ['application/json', 'text/plain'],
    { parseAs: 'string' },
    (request, body, done) => {
      const text = body as string;
      if (
        request.routeOptions.bodyLimit > bodyLimit &&
        !fitsSurely(text, bodyLimit) &&
        Buffer.byteLength(text) > bodyLimit &&
        !isArrayText(text)
      ) {
        done(
          new PayloadTooLargeException(
            `A request body other than an offline session's array holds at most ${bodyLimit} bytes.`,
          ),
          undefined,
        );
        return;
      }
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
    const limit = arrayBodyLimits[route.url];
    if (limit !== undefined) route.bodyLimit = limit;
  });
}
