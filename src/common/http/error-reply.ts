import { type FastifyInstance, type FastifyReply } from 'fastify';
import { applyCommonHeaders } from './response-headers.js';
import { type ErrorEnvelope } from './error-envelope.js';

/** An error as every API of the service states it, before a wire format gives it its body. */
export type ServiceError = Omit<ErrorEnvelope, 'requestId'>;

/** Sends an error in a wire format of its own (its body and Content-Type). */
export type ErrorFormat = (reply: FastifyReply, error: ServiceError) => FastifyReply;

/** Per server: URL prefixes whose errors are stated in another wire format than the envelope. */
const errorFormats = new WeakMap<FastifyInstance, ReadonlyArray<readonly [string, ErrorFormat]>>();

/** Errors of requests under `prefix` are sent by `format` instead of in the envelope. */
export function registerErrorFormat(
  fastify: FastifyInstance,
  prefix: string,
  format: ErrorFormat,
): void {
  errorFormats.set(fastify, [...(errorFormats.get(fastify) ?? []), [prefix, format]]);
}

/**
 * Sends an error with the headers every response carries: in the envelope (contract C6), or in
 * the wire format registered for the request's URL (the Media Edge API's problem+json, C10).
 */
export function sendErrorEnvelope(
  reply: FastifyReply,
  error: ServiceError,
  headers?: Readonly<Record<string, string>>,
): FastifyReply {
  applyCommonHeaders(reply);
  if (headers) reply.headers(headers);
  const { url } = reply.request;
  const format = errorFormats.get(reply.server)?.find(([prefix]) => url.startsWith(prefix))?.[1];
  if (format) return format(reply.status(error.statusCode), error);
  const body: ErrorEnvelope = { ...error, requestId: reply.request.id };
  return reply.status(error.statusCode).type('application/json').send(body);
}
