import { Readable, getDefaultHighWaterMark } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { createGunzip, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bodyCodingOf, inflatedBody } from '../../src/common/http/inflated-body.js';

/** Reads a stream to its end or its error. */
async function drain(stream: Readable): Promise<{ bytes: Buffer; error?: unknown }> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    return { bytes: Buffer.concat(chunks) };
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

/**
 * Reads a body as Fastify's body reader does: on passing `limit` it stops listening and lets go of
 * the stream without destroying it.
 */
function readLikeFastify(
  stream: Readable,
  limit: number,
): Promise<{ received: number; error?: unknown }> {
  return new Promise((resolve) => {
    let received = 0;
    const finish = (error?: unknown) => {
      stream.removeListener('data', onData);
      stream.removeListener('end', finish);
      stream.removeListener('error', finish);
      resolve({ received, error });
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limit) finish({ code: 'over the limit, seen by the reader' });
    };
    stream.on('data', onData);
    stream.on('end', finish);
    stream.on('error', finish);
    stream.resume();
  });
}

/** A source that counts how many of its chunks were asked for. */
function countingSource(chunks: readonly Buffer[]): { stream: Readable; pulled: () => number } {
  let next = 0;
  const stream = new Readable({
    read() {
      this.push(next < chunks.length ? chunks[next++] : null);
    },
  });
  return { stream, pulled: () => next };
}

describe('bodyCodingOf (C1: gzip or deflate inflated, identity as is, anything else 415)', () => {
  it.each([
    [undefined, 'identity'],
    ['identity', 'identity'],
    ['IDENTITY', 'identity'],
    ['', 'identity'],
    ['gzip', 'gzip'],
    ['GZip', 'gzip'],
    [' gzip ', 'gzip'],
    ['x-gzip', 'gzip'],
    ['deflate', 'deflate'],
    ['identity, gzip', 'gzip'],
  ])('C1: Content-Encoding %j is %s', (header, coding) => {
    expect(bodyCodingOf(header)).toBe(coding);
  });

  it.each([
    'br',
    'compress',
    'x-compress',
    'zstd',
    'gzip, gzip',
    'gzip, br',
    'deflate, gzip',
    'gz',
  ])('C1: Content-Encoding %j is refused', (header) => {
    expect(bodyCodingOf(header)).toBeUndefined();
  });
});

describe('inflatedBody (C1: the size cap counts inflated bytes)', () => {
  const text = JSON.stringify({ eventType: 'sessionStart', padding: 'x'.repeat(10_000) });

  it('C1: a gzip body is inflated; receivedEncodedLength is the size as sent', async () => {
    const gzip = gzipSync(text);
    const inflated = inflatedBody(
      Readable.from([gzip.subarray(0, 7), gzip.subarray(7)]),
      'gzip',
      65_536,
    );
    const { bytes, error } = await drain(inflated);
    expect(error).toBeUndefined();
    expect(bytes.toString()).toBe(text);
    expect(inflated.receivedEncodedLength).toBe(gzip.length);
  });

  it('C1: a deflate (zlib) body is inflated', async () => {
    const deflate = deflateSync(text);
    const inflated = inflatedBody(Readable.from([deflate]), 'deflate', 65_536);
    const { bytes, error } = await drain(inflated);
    expect(error).toBeUndefined();
    expect(bytes.toString()).toBe(text);
    expect(inflated.receivedEncodedLength).toBe(deflate.length);
  });

  it('C1: an inflated size of exactly the cap passes; one byte more is 413', async () => {
    const exact = await drain(
      inflatedBody(Readable.from([gzipSync(Buffer.alloc(1_000))]), 'gzip', 1_000),
    );
    expect(exact.error).toBeUndefined();
    expect(exact.bytes.length).toBe(1_000);
    const over = await drain(
      inflatedBody(Readable.from([gzipSync(Buffer.alloc(1_001))]), 'gzip', 1_000),
    );
    expect(over.error).toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(over.bytes.length).toBeLessThanOrEqual(1_000);
  });

  it('C1: a zip bomb (1 GiB of zeros in 1 MiB of gzip) stops at the cap, the rest never inflated', async () => {
    // 1,024 gzip members of 1 MiB of zeros each: about 1 KB apiece, a gibibyte inflated.
    const member = gzipSync(Buffer.alloc(1 << 20));
    const source = countingSource(Array.from({ length: 1_024 }, () => member));
    const limit = 4 << 20;
    const { received, error } = await readLikeFastify(
      inflatedBody(source.stream, 'gzip', limit),
      limit,
    );
    expect(error).toMatchObject({ code: 'FST_ERR_CTP_BODY_TOO_LARGE' });
    expect(received).toBeLessThanOrEqual(limit);
    // Fastify lets go of a refused body without destroying it: nothing may inflate on meanwhile.
    // What was read ahead is what the streams' buffers hold (their high-water mark, 16 KiB on
    // Node 20 and 64 KiB from Node 22), a few buffers of members: not the gibibyte.
    const atStop = source.pulled();
    await sleep(300);
    expect(source.pulled()).toBe(atStop);
    expect(atStop).toBeLessThan((5 * getDefaultHighWaterMark(false)) / member.length);
  });

  it('C1 (control): a bare gunzip stream under the same reader inflates on past the cap', async () => {
    const member = gzipSync(Buffer.alloc(1 << 20));
    const source = countingSource(Array.from({ length: 1_024 }, () => member));
    const limit = 4 << 20;
    const { received } = await readLikeFastify(source.stream.pipe(createGunzip()), limit);
    expect(received).toBeGreaterThan(limit);
    await sleep(300);
    expect(source.pulled()).toBeGreaterThanOrEqual(64);
  });

  it('C1: a body that is not gzip is a 400, not a crash', async () => {
    const { error } = await drain(inflatedBody(Readable.from([Buffer.from(text)]), 'gzip', 65_536));
    expect(error).toMatchObject({
      status: 400,
      message: 'The request body is not valid gzip data.',
    });
  });

  it('C1: a truncated gzip body is a 400', async () => {
    const gzip = gzipSync(text);
    const { error } = await drain(
      inflatedBody(Readable.from([gzip.subarray(0, gzip.length - 10)]), 'gzip', 65_536),
    );
    expect(error).toMatchObject({ status: 400 });
  });
});
