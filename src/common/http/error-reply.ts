import { type FastifyReply } from 'fastify';
import { applyCommonHeaders } from './response-headers.js';
import { type ErrorEnvelope } from './error-envelope.js';

/** Sends an error with the envelope and the headers every response carries (contract C6). */
export function sendErrorEnvelope(
  reply: FastifyReply,
  envelope: Omit<ErrorEnvelope, 'requestId'>,
  headers?: Readonly<Record<string, string>>,
): FastifyReply {
  applyCommonHeaders(reply);
  if (headers) reply.headers(headers);
  const body: ErrorEnvelope = { ...envelope, requestId: reply.request.id };
  return reply.status(envelope.statusCode).type('application/json').send(body);
}
