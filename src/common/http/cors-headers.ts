import { type FastifyReply } from 'fastify';

/** The CORS headers every response carries (contract C6), as Adobe's collection servers send them. */
export const CORS_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'OPTIONS,POST,PUT',
  'access-control-allow-headers': 'Content-Type',
  'access-control-expose-headers': 'Location',
};

export const REQUEST_ID_HEADER = 'x-request-id';

/** Sets the headers every response needs, successes and errors alike. */
export function applyCommonHeaders(reply: FastifyReply): void {
  reply.headers(CORS_HEADERS);
  reply.header(REQUEST_ID_HEADER, reply.request.id);
}
