import { Transform, type Readable } from 'node:stream';
import { errorCodes } from 'fastify';

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);
const OPENING_BRACKET = 0x5b;

/** A request stream as Fastify's body reader measures it. */
type Payload = Readable & { receivedEncodedLength?: number };
type Guard = Transform & { receivedEncodedLength?: number };

/**
 * On a route whose cap is raised for offline sessions (contract C1: a JSON array may be 4 MiB), a
 * body whose first non-blank byte is not `[` keeps the object cap. Decided as the first bytes
 * arrive, so an oversized object is refused without reading the rest: at once when its
 * Content-Length already says so, else as soon as it passes the cap.
 */
export function capUnlessArray(
  payload: Payload,
  objectLimit: number,
  declaredLength: number | undefined,
): Payload {
  // A body whose Content-Length is within the object cap needs no watching (Fastify holds it to
  // that length): the common case, a session start, takes the stream as it comes.
  if (declaredLength !== undefined && declaredLength <= objectLimit) return payload;
  let isArray: boolean | undefined;
  let received = 0;
  const guard: Guard = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      guard.receivedEncodedLength = payload.receivedEncodedLength ?? received;
      if (isArray === undefined) {
        const first = chunk.findIndex((byte) => !WHITESPACE.has(byte));
        if (first >= 0) isArray = chunk[first] === OPENING_BRACKET;
      }
      const tooLarge = isArray === false && Math.max(received, declaredLength ?? 0) > objectLimit;
      if (tooLarge) callback(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
      else callback(null, chunk);
    },
  });
  payload.on('error', (error) => guard.destroy(error));
  // Fastify listens while it reads the body and lets go once it has answered; an error after that
  // (the client writing on into a refused body, or going away) must not be an uncaught one.
  guard.on('error', () => {});
  payload.pipe(guard);
  return guard;
}
