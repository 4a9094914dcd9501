import { type FastifyRequest } from 'fastify';

/** What a browser may ask for in a preflight: header names, nothing else. */
const HEADER_LIST = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$/;

/**
 * CORS on the Media Edge API (contract C10). Adobe's Web SDK sends credentials, and a browser
 * drops an answer to such a request unless it names the page's own origin and allows
 * credentials (with `*` the event is stored but alloy sees a network error). alloy reads
 * Retry-After, so it is exposed. Any site may send, as to Adobe's Edge.
 */
export function edgeCorsHeaders(request: FastifyRequest): Readonly<Record<string, string>> {
  const { origin } = request.headers;
  const asked = request.headers['access-control-request-headers'];
  return {
    ...(typeof origin === 'string' && origin !== ''
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
        }
      : {}),
    vary: 'Origin',
    'access-control-allow-methods': 'POST, OPTIONS',
    'access-control-allow-headers':
      typeof asked === 'string' && HEADER_LIST.test(asked) ? asked : 'Content-Type',
    'access-control-expose-headers': 'Retry-After, X-Request-Id',
  };
}
