import { describe, expect, it } from 'vitest';
import {
  countRows,
  errorPaths,
  expectCorsHeaders,
  expectErrorEnvelope,
  expectNothingStored,
  sidOf,
} from '../support/contract.js';
import { aSessionStart } from '../support/factories.js';
import { type HttpResult, post } from '../support/http.js';
import { postUnfinishedBody, rawPost } from '../support/raw-http.js';
import { useTestApp } from '../support/test-app.js';

const SESSIONS = '/api/v1/sessions';
const BODY_LIMIT = 64 * 1024;

/** A valid sessionStart serialised to exactly `bytes` bytes, padded in a customMetadata value. */
function bodyOfSize(bytes: number): string {
  const empty = JSON.stringify(aSessionStart({ body: { customMetadata: { padding: '' } } }));
  const padded = JSON.stringify(
    aSessionStart({ body: { customMetadata: { padding: 'x'.repeat(bytes - empty.length) } } }),
  );
  expect(Buffer.byteLength(padded)).toBe(bytes);
  return padded;
}

/** A params object holding `count` members in all: the seed's plus unknown ones. */
function paramsWithMembers(count: number): Record<string, unknown> {
  const params = { ...(aSessionStart().params as Record<string, unknown>) };
  for (let i = 0; Object.keys(params).length < count; i += 1) params[`custom.k${i}`] = i;
  return params;
}

describe('C1: common request rules on POST /api/v1/sessions', () => {
  const sut = useTestApp();

  const send = (raw: string, contentType: string | null = 'application/json') =>
    post(sut.baseUrl, SESSIONS, undefined, { raw, contentType });

  async function expectCreated(res: HttpResult): Promise<void> {
    expect(res.status, res.text).toBe(201);
    expect(sidOf(res)).toBeDefined();
    expect(await countRows(sut.db, 'sessions')).toBe(1);
  }

  /** A 400 in the C6 envelope that stored nothing. */
  async function expectBadRequest(res: HttpResult): Promise<void> {
    expectErrorEnvelope(res, 400);
    await expectNothingStored(sut.db);
  }

  describe('content types', () => {
    it.each([
      'application/json',
      'application/json; charset=utf-8',
      'application/json;charset=UTF-8',
    ])('C1: %s is accepted', async (contentType) => {
      await expectCreated(await send(JSON.stringify(aSessionStart()), contentType));
    });

    it.each(['text/plain', 'text/plain;charset=UTF-8'])(
      'C1: %s JSON (sendBeacon) is accepted',
      async (contentType) => {
        await expectCreated(await send(JSON.stringify(aSessionStart()), contentType));
      },
    );

    it('C1: Application/JSON is accepted (media types are case-insensitive)', async () => {
      await expectCreated(await send(JSON.stringify(aSessionStart()), 'Application/JSON'));
    });

    it('C1: text/plain that is not JSON is 400', async () => {
      await expectBadRequest(await send('hello, collection server', 'text/plain;charset=UTF-8'));
    });

    it.each([
      'text/xml',
      'application/xml',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=----x',
      'application/octet-stream',
      'application/jsonx',
      'application/json-patch+json',
      'text/html',
    ])('C1: a JSON body sent as %s is 415', async (contentType) => {
      const res = await send(JSON.stringify(aSessionStart()), contentType);
      expectErrorEnvelope(res, 415);
      await expectNothingStored(sut.db);
    });

    it('C1: a body with no Content-Type at all is 415', async () => {
      const res = await rawPost(sut.baseUrl, SESSIONS, JSON.stringify(aSessionStart()));
      expect(res.status).toBe(415);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(JSON.parse(res.text)).toMatchObject({ statusCode: 415 });
      await expectNothingStored(sut.db);
    });
  });

  describe('JSON and top-level shape', () => {
    it.each([
      ['truncated', '{"playerTime":{"playhead":0,'],
      ['single quotes', "{'eventType':'sessionStart'}"],
      ['a trailing comma', '{"eventType":"sessionStart",}'],
      ['empty', ''],
      ['NaN', '{"playerTime":{"playhead":NaN,"ts":1}}'],
    ])('C1: unparseable JSON (%s) is 400', async (_kind, raw) => {
      await expectBadRequest(await send(raw));
    });

    it.each([
      ['empty array', '[]'],
      ['string', '"sessionStart"'],
      ['number', '42'],
      ['null', 'null'],
      ['boolean', 'true'],
    ])('C1: a top-level %s is 400', async (_kind, raw) => {
      const res = await send(raw);
      await expectBadRequest(res);
      expect(errorPaths(res)).toEqual(['$']);
    });

    it('C2/C7: a top-level array is an offline session: 201 when its first element is a sessionStart', async () => {
      const res = await send(JSON.stringify([{ ...aSessionStart(), eventType: 'play' }]));
      await expectBadRequest(res);
      expect(errorPaths(res)).toEqual(['[0].eventType']);
      expect((await send(JSON.stringify([aSessionStart()]))).status).toBe(201);
    });

    it('C1: an unknown top-level member is 400 naming it', async () => {
      const res = await post(sut.baseUrl, SESSIONS, aSessionStart({ body: { sessionId: 'x' } }));
      await expectBadRequest(res);
      expect(errorPaths(res)).toEqual(['sessionId']);
    });

    it('C1: a body missing playerTime and eventType is 400 naming both', async () => {
      const body = aSessionStart();
      delete body.playerTime;
      delete body.eventType;
      const res = await post(sut.baseUrl, SESSIONS, body);
      await expectBadRequest(res);
      expect(errorPaths(res).sort()).toEqual(['eventType', 'playerTime']);
    });

    it('C1: playerTime with an extra member is 400', async () => {
      const res = await post(sut.baseUrl, SESSIONS, aSessionStart({ playerTime: { tz: 'UTC' } }));
      await expectBadRequest(res);
      expect(errorPaths(res)).toEqual(['playerTime.tz']);
    });

    it('C1: a number beyond 2^53 in ts is 400', async () => {
      const raw = JSON.stringify(aSessionStart()).replace('1509045324153', '9007199254740993');
      expect(raw).toContain('9007199254740993');
      const res = await send(raw);
      await expectBadRequest(res);
      expect(errorPaths(res)).toEqual(['playerTime.ts']);
    });

    it('C1: a float ts is 400', async () => {
      const res = await post(
        sut.baseUrl,
        SESSIONS,
        aSessionStart({ playerTime: { ts: 1.5e12 + 0.5 } }),
      );
      await expectBadRequest(res);
      expect(errorPaths(res)).toEqual(['playerTime.ts']);
    });

    it('C1: a known param with the wrong type is 400, an unknown param of any type is stored', async () => {
      const bad = await post(
        sut.baseUrl,
        SESSIONS,
        aSessionStart({ params: { 'analytics.enableSSL': 'no' } }),
      );
      await expectBadRequest(bad);
      expect(errorPaths(bad)).toEqual(['params.analytics.enableSSL']);

      const good = await post(
        sut.baseUrl,
        SESSIONS,
        aSessionStart({ params: { 'player.extra': [1, { a: null }] } }),
      );
      await expectCreated(good);
    });

    it('C1: qoeData with a bad known key or an object under another key is 400', async () => {
      const res = await post(
        sut.baseUrl,
        SESSIONS,
        aSessionStart({ body: { qoeData: { 'media.qoe.bitrate': -5, other: { a: 1 } } } }),
      );
      await expectBadRequest(res);
      expect(errorPaths(res).sort()).toEqual(['qoeData.media.qoe.bitrate', 'qoeData.other']);
    });

    it('C1: customMetadata with a bad key or a non-string value is 400', async () => {
      const res = await post(
        sut.baseUrl,
        SESSIONS,
        aSessionStart({ body: { customMetadata: { 'bad key': 'x', count: 3 } } }),
      );
      await expectBadRequest(res);
      expect(errorPaths(res).sort()).toEqual(['customMetadata.bad key', 'customMetadata.count']);
    });
  });

  describe('size', () => {
    it('C1: a body of exactly 64 KiB (a large customMetadata value) is 201', async () => {
      await expectCreated(await send(bodyOfSize(BODY_LIMIT)));
    });

    it('C1: a body just under 64 KiB is 201', async () => {
      await expectCreated(await send(bodyOfSize(BODY_LIMIT - 100)));
    });

    it('C1: a body one byte over 64 KiB is 413', async () => {
      const res = await send(bodyOfSize(BODY_LIMIT + 1));
      expectErrorEnvelope(res, 413);
      expectCorsHeaders(res.headers);
      await expectNothingStored(sut.db);
    });

    it('C1: a 1 MB body is 413', async () => {
      const res = await send(bodyOfSize(1_000_000));
      expectErrorEnvelope(res, 413);
    });

    it('C1: 413 arrives without the rest of the body being read', async () => {
      // Content-Length says 10 MB, 4 KB are sent and the request is never ended: the answer must
      // come anyway (postUnfinishedBody rejects when none arrives within 5 s).
      const res = await postUnfinishedBody(sut.baseUrl, SESSIONS, {
        declaredLength: 10_000_000,
        sentBytes: 4096,
        timeoutMs: 5000,
      });
      expect(res.status).toBe(413);
      expect(JSON.parse(res.text)).toMatchObject({ statusCode: 413 });
      expect(res.headers['access-control-allow-origin']).toBe('*');
      await expectNothingStored(sut.db);
    });
  });

  describe('JSON shape limits', () => {
    it('C1: nesting deeper than the limit is 400', async () => {
      // body > params > x > a > b > c > d: seven containers.
      const deep = aSessionStart({ params: { x: { a: { b: { c: { d: {} } } } } } });
      await expectBadRequest(await post(sut.baseUrl, SESSIONS, deep));
    });

    it('C1: nesting up to the limit is accepted', async () => {
      const deepest = aSessionStart({ params: { x: { a: { b: { c: 'leaf' } } } } });
      await expectCreated(await post(sut.baseUrl, SESSIONS, deepest));
    });

    it('C1: a pathologically deep body is 400, not a crash', async () => {
      const raw = JSON.stringify(aSessionStart()).replace(
        '"media.name":"ClickMe"',
        `"x":${'['.repeat(5000)}${']'.repeat(5000)}`,
      );
      await expectBadRequest(await send(raw));
    });

    it('C1: an object with 1001 keys is 400', async () => {
      const res = await post(
        sut.baseUrl,
        SESSIONS,
        aSessionStart({ body: { params: paramsWithMembers(1001) } }),
      );
      await expectBadRequest(res);
    });

    it('C1: an object with 1000 keys is accepted', async () => {
      const res = await post(
        sut.baseUrl,
        SESSIONS,
        aSessionStart({ body: { params: paramsWithMembers(1000) } }),
      );
      await expectCreated(res);
    });

    it('C1: an object with 1001 keys in customMetadata is 400', async () => {
      const customMetadata = Object.fromEntries(
        Array.from({ length: 1001 }, (_, i) => [`k${i}`, 'v']),
      );
      await expectBadRequest(
        await post(sut.baseUrl, SESSIONS, aSessionStart({ body: { customMetadata } })),
      );
    });

    it.each([
      ['at the top level', (json: string) => json.replace('{', '{"__proto__":{"polluted":true},')],
      [
        'in params',
        (json: string) => json.replace('"params":{', '"params":{"__proto__":{"polluted":true},'),
      ],
      [
        'in playerTime',
        (json: string) =>
          json.replace('"playerTime":{', '"playerTime":{"__proto__":{"polluted":true},'),
      ],
      [
        'in customMetadata',
        (json: string) =>
          json.replace('"customMetadata":{', '"customMetadata":{"__proto__":{"polluted":"yes"},'),
      ],
    ])(
      'C1: a __proto__ key %s is 400 and Object.prototype is not polluted',
      async (_where, inject) => {
        const raw = inject(JSON.stringify(aSessionStart()));
        expect(raw).toContain('__proto__');
        await expectBadRequest(await send(raw));
        expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        expect(Object.prototype).not.toHaveProperty('polluted');
      },
    );

    it.each(['constructor', 'prototype'])('C1: a %s key is 400', async (key) => {
      const raw = JSON.stringify(aSessionStart()).replace(
        '"params":{',
        `"params":{"${key}":{"prototype":{"polluted":true}},`,
      );
      await expectBadRequest(await send(raw));
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    });
  });
});
