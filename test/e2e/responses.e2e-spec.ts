import { describe, expect, it } from 'vitest';
import {
  countRows,
  EXPECTED_CORS,
  corsHeadersOf,
  errorPaths,
  expectCorsHeaders,
  expectErrorEnvelope,
  expectNothingStored,
  UUID,
} from '../support/contract.js';
import { REQUIRED_STRING_PARAMS, aSessionStart, anEvent, without } from '../support/factories.js';
import { type HttpResult, post, request } from '../support/http.js';
import { type TestApp, useTestApp } from '../support/test-app.js';

const SESSIONS = '/api/v1/sessions';

interface MalformedRequest {
  readonly label: string;
  readonly raw: string;
  readonly contentType: string;
}

/** Puts `value` at `member` (top level) or `member[key]` of a copy of the seed body. */
function mutated(member: string, key: string | undefined, value: unknown): Record<string, unknown> {
  const body = aSessionStart();
  if (key === undefined) body[member] = value;
  else (body[member] as Record<string, unknown>)[key] = value;
  return body;
}

/** About 200 requests a client could send, every one of them invalid. */
function malformedRequests(): MalformedRequest[] {
  const requests: MalformedRequest[] = [];
  const json = (label: string, body: unknown) =>
    requests.push({ label, raw: JSON.stringify(body), contentType: 'application/json' });
  const notObjects = [null, true, 0, -1, '', 'x', [], [1, 2]];

  for (const value of [...notObjects, { playhead: 0 }, { ts: 1 }]) {
    json(`playerTime=${JSON.stringify(value)}`, mutated('playerTime', undefined, value));
  }
  for (const value of [null, '0', -1, -1e-9, true, [], {}, 1e308]) {
    json(`playhead=${JSON.stringify(value)}`, mutated('playerTime', 'playhead', value));
  }
  for (const value of [null, '1', 0, -5, 1.5, 2 ** 53, 2 ** 64, 1e300, true, [], {}]) {
    json(`ts=${JSON.stringify(value)}`, mutated('playerTime', 'ts', value));
  }
  json('playerTime extra member', mutated('playerTime', 'extra', 1));
  for (const value of [null, 'play', '', 5, [], {}, 'SESSIONSTART', 'sessionStart ']) {
    json(`eventType=${JSON.stringify(value)}`, mutated('eventType', undefined, value));
  }
  for (const value of [null, 'params', 5, [], [{}]]) {
    json(`params=${JSON.stringify(value)}`, mutated('params', undefined, value));
  }
  for (const key of REQUIRED_STRING_PARAMS) {
    for (const value of [null, '', 5, true, [], {}]) {
      json(`${key}=${JSON.stringify(value)}`, mutated('params', key, value));
    }
    json(`${key} missing`, without(aSessionStart(), 'params', key));
  }
  for (const value of [null, '', -1, '60', true, [], {}, -1e308]) {
    json(`media.length=${JSON.stringify(value)}`, mutated('params', 'media.length', value));
  }
  json('media.length missing', without(aSessionStart(), 'params', 'media.length'));
  for (const [key, value] of [
    ['media.streamType', 'tv'],
    ['media.streamType', null],
    ['analytics.enableSSL', 'true'],
    ['visitor.aamLocationHint', 1.5],
    ['visitor.aamLocationHint', '1'],
    ['media.resume', 1],
    ['media.name', 5],
    ['analytics.optOutShare', 'no'],
    ['media.downloaded', 'yes'],
    ['appInstallationId', 5],
    ['media.show', []],
    ['visitor.customerIDs', 'x'],
    ['visitor.customerIDs', []],
    ['visitor.customerIDs', { a: 1 }],
    ['visitor.customerIDs', { a: { id: 1, authState: 0 } }],
    ['visitor.customerIDs', { a: { id: 'x', authState: 5 } }],
    ['visitor.customerIDs', { a: { id: 'x' } }],
    ['visitor.customerIDs', { a: { id: 'x', authState: 0, more: 1 } }],
  ] as const) {
    json(`${key}=${JSON.stringify(value)}`, mutated('params', key, value));
  }
  for (const value of [...notObjects, { 'media.qoe.bitrate': -1 }, { 'media.qoe.bitrate': '1' }]) {
    json(`qoeData=${JSON.stringify(value)}`, mutated('qoeData', undefined, value));
  }
  for (const key of [
    'media.qoe.bitrate',
    'media.qoe.droppedFrames',
    'media.qoe.framesPerSecond',
    'media.qoe.timeToStart',
  ]) {
    for (const value of [-1, '5', null]) {
      json(`qoeData.${key}=${JSON.stringify(value)}`, mutated('qoeData', key, value));
    }
  }
  for (const key of ['a-b', 'é', '', 'a b']) {
    json(`customMetadata key ${JSON.stringify(key)}`, mutated('customMetadata', key, 'v'));
  }
  for (const value of [{ o: {} }, { a: [] }, { n: null }, { 'media.qoe.errorSource': 'cdn' }]) {
    json(`qoeData=${JSON.stringify(value)}`, mutated('qoeData', undefined, value));
  }
  for (const value of [...notObjects, { 'a b': 'x' }, { a: 1 }, { a: { b: 'c' } }, { a: null }]) {
    json(`customMetadata=${JSON.stringify(value)}`, mutated('customMetadata', undefined, value));
  }
  for (const member of ['extra', 'sid', 'playerTime ', 'EventType']) {
    json(`top-level ${member}`, mutated(member, undefined, 1));
  }
  json('empty object', {});
  json('top-level empty array', []);
  json('top-level array not led by a sessionStart', [anEvent('play')]);

  const valid = JSON.stringify(aSessionStart());
  const raw = (label: string, text: string, contentType = 'application/json') =>
    requests.push({ label, raw: text, contentType });
  for (const text of [
    '',
    ' ',
    '{',
    '}',
    '[',
    'nul',
    'undefined',
    'NaN',
    '{"a":1,}',
    "{'a':1}",
    valid.slice(0, -1),
    `${valid}}`,
    `${valid}x`,
    valid.replace(':0,', ':00,'),
    valid.replace('1509045324153', '1509045324153e400'),
    valid.replace('1509045324153', '-1e400'),
    `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    `{"a":${'{"a":'.repeat(5_000)}1${'}'.repeat(5_001)}`,
    valid.replace('{', `{"__proto__":{"x":1},`),
    valid.replace('{', `{"constructor":{"prototype":{"x":1}},`),
    '"\\ud800"',
    '\u0000',
    'x'.repeat(70_000),
  ]) {
    raw(`raw ${JSON.stringify(text.slice(0, 24))}`, text);
  }
  for (const contentType of [
    'text/xml',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    ';;;',
    '*/*',
    'application/',
    'text/plain',
    'text/csv',
    'application/javascript',
    'image/png',
  ]) {
    raw(
      `Content-Type ${contentType}`,
      contentType === 'text/plain' ? 'not json' : valid,
      contentType,
    );
  }
  return requests;
}

describe('C6: every response', () => {
  const sut = useTestApp();

  const start = (body: unknown, headers: Record<string, string> = {}) =>
    post(sut.baseUrl, SESSIONS, body, { headers });

  describe('CORS', () => {
    const responses: Array<[string, number, (app: TestApp) => Promise<HttpResult>]> = [
      ['a 201', 201, (app) => post(app.baseUrl, SESSIONS, aSessionStart())],
      ['a 400', 400, (app) => post(app.baseUrl, SESSIONS, aSessionStart({ body: { x: 1 } }))],
      ['a 404 (unknown GET route)', 404, (app) => request(app.baseUrl, 'GET', '/no/such/route')],
      ['a 404 (unknown POST route)', 404, (app) => post(app.baseUrl, '/api/v1/nothing', {})],
      [
        'a 413',
        413,
        (app) =>
          post(
            app.baseUrl,
            SESSIONS,
            aSessionStart({ body: { customMetadata: { a: 'x'.repeat(70_000) } } }),
          ),
      ],
      [
        'a 415',
        415,
        (app) => post(app.baseUrl, SESSIONS, aSessionStart(), { contentType: 'text/xml' }),
      ],
      ['a 200 (health)', 200, (app) => request(app.baseUrl, 'GET', '/health')],
    ];

    it.each(responses)('C6: %s carries the exact CORS headers', async (_kind, status, send) => {
      const res = await send(sut);
      expect(res.status).toBe(status);
      expect(corsHeadersOf(res.headers)).toEqual(EXPECTED_CORS);
      expect(res.headers.get('x-request-id')).toMatch(UUID);
    });

    it.each(['/api/v1/sessions', '/api/v1/sessions/abc/events', '/api/v1/anything', '/api/v1'])(
      'C6: OPTIONS %s is 204 with the CORS headers and Access-Control-Max-Age 86400',
      async (path) => {
        const res = await request(sut.baseUrl, 'OPTIONS', path, {
          origin: 'https://player.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        });
        expect(res.status).toBe(204);
        expect(res.text).toBe('');
        expectCorsHeaders(res.headers);
        expect(res.headers.get('access-control-max-age')).toBe('86400');
      },
    );
  });

  describe('the error envelope', () => {
    it('C6: a 400 names each failing field by its JSON path', async () => {
      const body = aSessionStart({
        playerTime: { ts: -1 },
        params: { 'visitor.customerIDs': { email: { id: 'x', authState: 7 } } },
        body: { qoeData: { 'media.qoe.errorSource': 'cdn' } },
      });
      delete (body.params as Record<string, unknown>)['media.id'];
      const res = await start(body);
      const envelope = expectErrorEnvelope(res, 400);
      expect(errorPaths(res).sort()).toEqual([
        'params.media.id',
        'params.visitor.customerIDs.email.authState',
        'playerTime.ts',
        'qoeData.media.qoe.errorSource',
      ]);
      expect(envelope.errors?.every((e) => e.message.length > 0)).toBe(true);
      await expectNothingStored(sut.db);
    });

    it('C6: the message is one readable sentence naming the first problem', async () => {
      const res = await start(without(aSessionStart(), 'params', 'media.id'));
      const { message } = expectErrorEnvelope(res, 400);
      expect(message).toMatch(/^[A-Z][^\n]*\.$/);
      expect(message).toContain('params.media.id');
    });

    it.each([
      ['unparseable JSON', () => post(sut.baseUrl, SESSIONS, undefined, { raw: '{' }), 400],
      ['a 404', () => request(sut.baseUrl, 'GET', '/nowhere'), 404],
      [
        'a 415',
        () => post(sut.baseUrl, SESSIONS, aSessionStart(), { contentType: 'text/xml' }),
        415,
      ],
      [
        'a 413',
        () =>
          post(
            sut.baseUrl,
            SESSIONS,
            aSessionStart({ body: { customMetadata: { a: 'x'.repeat(70_000) } } }),
          ),
        413,
      ],
    ] as const)(
      'C6: %s has the envelope with a one-sentence message',
      async (_kind, send, status) => {
        const { message } = expectErrorEnvelope(await send(), status);
        expect(message).toMatch(/^[A-Z][^\n]+$/);
      },
    );
  });

  describe('X-Request-Id', () => {
    it('C6: a well-formed X-Request-Id is echoed and used as requestId', async () => {
      const res = await start(aSessionStart({ body: { x: 1 } }), {
        'x-request-id': 'lb-7f3a.9:trace_1',
      });
      expect(res.headers.get('x-request-id')).toBe('lb-7f3a.9:trace_1');
      expect(expectErrorEnvelope(res, 400).requestId).toBe('lb-7f3a.9:trace_1');
    });

    it('C6: a well-formed X-Request-Id is echoed on a 201 too', async () => {
      const res = await start(aSessionStart(), { 'x-request-id': 'abc-123' });
      expect(res.status).toBe(201);
      expect(res.headers.get('x-request-id')).toBe('abc-123');
    });

    it('C6: without X-Request-Id a UUID is generated, the same in header and body', async () => {
      const res = await start(aSessionStart({ body: { x: 1 } }));
      const { requestId } = expectErrorEnvelope(res, 400);
      expect(requestId).toMatch(UUID);
      expect(res.headers.get('x-request-id')).toBe(requestId);
    });

    it('C6: generated request ids differ between requests', async () => {
      const ids = await Promise.all(
        Array.from({ length: 10 }, async () =>
          (await start(aSessionStart())).headers.get('x-request-id'),
        ),
      );
      expect(new Set(ids).size).toBe(10);
    });

    it.each([
      ['has spaces', 'trace id 42'],
      ['is 500 characters', 'a'.repeat(500)],
      ['has shell characters', 'abc;rm -rf /'],
      ['has markup', '<script>alert(1)</script>'],
      ['is 129 characters', 'b'.repeat(129)],
    ])('C6: an X-Request-Id that %s is replaced by a UUID', async (_kind, given) => {
      const res = await start(aSessionStart({ body: { x: 1 } }), { 'x-request-id': given });
      const { requestId } = expectErrorEnvelope(res, 400);
      expect(requestId).toMatch(UUID);
      expect(res.headers.get('x-request-id')).toBe(requestId);
      expect(res.text).not.toContain(given);
    });
  });

  describe('5xx', () => {
    it('C6: a database fault is a 500 that says nothing of internals, logged under its requestId', async () => {
      await sut.db.query('ALTER TABLE events RENAME TO events_away');
      let res: HttpResult;
      try {
        res = await start(aSessionStart());
      } finally {
        await sut.db.query('ALTER TABLE events_away RENAME TO events');
      }
      const envelope = expectErrorEnvelope(res, 500);
      expect(envelope.message).toBe('Internal server error.');
      expect(envelope.errors).toBeUndefined();
      expect(res.text).not.toMatch(
        /sql|relation|table|events|sessions|query|insert|typeorm|stack|at /i,
      );
      expectCorsHeaders(res.headers);

      const logged = sut.logger.lines.filter(
        (line) => line.level === 'error' && JSON.stringify(line).includes(envelope.requestId),
      );
      expect(logged).toHaveLength(1);
      expect(JSON.stringify(logged[0])).toMatch(/events/);

      // Neither the session nor its event was stored, and the service recovers.
      await expectNothingStored(sut.db);
      expect((await start(aSessionStart())).status).toBe(201);
    });

    it('C6: ~200 malformed requests of assorted kinds get only 4xx, and nothing is stored', async () => {
      const requests = malformedRequests();
      expect(requests.length).toBeGreaterThanOrEqual(200);
      const errorsBefore = sut.logger.lines.filter((line) => line.level === 'error').length;
      const outcomes: string[] = [];
      for (let i = 0; i < requests.length; i += 20) {
        const batch = requests.slice(i, i + 20);
        const results = await Promise.all(
          batch.map((r) =>
            post(sut.baseUrl, SESSIONS, undefined, { raw: r.raw, contentType: r.contentType }),
          ),
        );
        results.forEach((res, j) => outcomes.push(`${res.status} ${batch[j].label}`));
      }
      expect(outcomes.filter((o) => !/^4\d\d /.test(o))).toEqual([]);
      await expectNothingStored(sut.db);
      expect(sut.logger.lines.filter((line) => line.level === 'error')).toHaveLength(errorsBefore);
    });

    it.each([
      ['media.id', (s: string) => aSessionStart({ params: { 'media.id': s } })],
      ['an unknown params value', (s: string) => aSessionStart({ params: { 'player.note': s } })],
      [
        'a customMetadata value',
        (s: string) => aSessionStart({ body: { customMetadata: { note: s } } }),
      ],
    ])(
      'C6: a NUL character (\\u0000) in %s is a 4xx or stored, never a 5xx',
      async (_where, body) => {
        const res = await start(body('a\u0000b'));
        expect(res.status, res.text).toBeLessThan(500);
        if (res.status !== 201) await expectNothingStored(sut.db);
      },
    );

    it('C6: a lone surrogate escape (\\ud800) in media.name is a 4xx or stored, never a 5xx', async () => {
      const raw = JSON.stringify(aSessionStart({ params: { 'media.name': 'SURROGATE' } })).replace(
        'SURROGATE',
        'a\\ud800b',
      );
      const res = await post(sut.baseUrl, SESSIONS, undefined, { raw });
      expect(res.status, res.text).toBeLessThan(500);
      if (res.status !== 201) await expectNothingStored(sut.db);
    });

    it('C6: a body the service accepts is stored in full (sanity check for the checks above)', async () => {
      const res = await start(aSessionStart({ params: { 'player.note': 'a\u00e9b' } }));
      expect(res.status).toBe(201);
      expect(await countRows(sut.db, 'sessions')).toBe(1);
    });
  });
});
