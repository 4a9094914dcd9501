import { BadRequestException } from '@nestjs/common';
import { Transform, type Readable } from 'node:stream';
import { createGunzip, createInflate } from 'node:zlib';
import { errorCodes } from 'fastify';

/** A request stream as Fastify's body reader measures it: the bytes received before decoding. */
export type BodyStream = Readable & { receivedEncodedLength?: number };
type MeasuredTransform = Transform & { receivedEncodedLength?: number };

/** The codings a request body may arrive in (contract C1); undefined for any other. */
export type BodyCoding = 'identity' | 'gzip' | 'deflate';

/**
 * The coding a `Content-Encoding` header names. `identity` adds nothing; one layer of gzip
 * (`x-gzip` is its old name, RFC 9110 8.4.1.3) or deflate is inflated; anything else, and more
 * than one layer, is refused.
 */
export function bodyCodingOf(header: string | undefined): BodyCoding | undefined {
  if (header === undefined) return 'identity';
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length === 0) return 'identity';
  if (codings.length > 1) return undefined;
  switch (codings[0]) {
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      return 'deflate';
    default:
      return undefined;
  }
}

/**
 * The body inflated, refused with Fastify's 413 as soon as the inflated bytes pass `limit`: the
 * inflater is stopped there, so a small body that would inflate to gigabytes costs no more than
 * `limit` bytes of work. `receivedEncodedLength` counts the bytes as sent, which Fastify holds to
 * the Content-Length.
 */
export function inflatedBody(
  payload: BodyStream,
  coding: Exclude<BodyCoding, 'identity'>,
  limit: number,
): BodyStream {
  let encoded = 0;
  let decoded = 0;
  const output: MeasuredTransform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      decoded += chunk.length;
      if (decoded <= limit) {
        callback(null, chunk);
        return;
      }
      stopInflating();
      callback(new errorCodes.FST_ERR_CTP_BODY_TOO_LARGE());
    },
  });
  output.receivedEncodedLength = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      encoded += chunk.length;
      output.receivedEncodedLength = payload.receivedEncodedLength ?? encoded;
      callback(null, chunk);
    },
  });
  const inflater = coding === 'gzip' ? createGunzip() : createInflate();

  function stopInflating(): void {
    payload.unpipe(meter);
    meter.unpipe(inflater);
    inflater.unpipe(output);
    meter.destroy();
    inflater.destroy();
  }

  payload.on('error', (error) => output.destroy(error));
  inflater.on('error', () => {
    stopInflating();
    output.destroy(new BadRequestException(`The request body is not valid ${coding} data.`));
  });
  // Fastify stops listening once it has answered; a late error must not be an uncaught one.
  output.on('error', () => {});
  payload.pipe(meter).pipe(inflater).pipe(output);
  return output;
}
