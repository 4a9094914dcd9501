import { randomUUID } from 'node:crypto';
import { type IncomingMessage } from 'node:http';

/** A proxy's id is kept only when it is short and plain, so it is safe to log and echo. */
export const ACCEPTABLE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Fastify's `genReqId`: the caller's `X-Request-Id` when acceptable, otherwise a new UUID. */
export function requestIdFor(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && ACCEPTABLE_ID.test(given) ? given : randomUUID();
}
