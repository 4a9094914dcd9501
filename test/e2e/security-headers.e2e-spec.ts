import { Controller, Get, Module } from '@nestjs/common';
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  EXPECTED_CORS,
  UUID,
  corsHeadersOf,
  expectErrorEnvelope,
  expectNothingStored,
} from '../support/contract.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { type HttpResult, post, request, sessionIdFrom } from '../support/http.js';
import { type TestApp, useTestApp } from '../support/test-app.js';

const SESSIONS = '/api/v1/sessions';

/** The hardening headers the service documents for every response (README, Security). */
const EXPECTED_SECURITY = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'cross-origin',
  'cache-control': 'no-store',
} as const;

function securityHeadersOf(headers: Headers): Record<string, string | null> {
  return Object.fromEntries(
    Object.keys(EXPECTED_SECURITY).map((name) => [name, headers.get(name)]),
  );
}

/** Every response: the six hardening headers, the four CORS headers of C6, a request id. */
function expectCommonHeaders(res: HttpResult): void {
  // A route that says how it may be cached keeps its word: health answers are never cached
  // (Terminus), the published schemas may be kept an hour; everything else is no-store.
  const cacheControl = res.headers.get('cache-control');
  expect(['no-store', 'no-cache, no-store, must-revalidate', 'public, max-age=3600']).toContain(
    cacheControl,
  );
  expect(securityHeadersOf(res.headers)).toEqual({
    ...EXPECTED_SECURITY,
    'cache-control': cacheControl,
  });
  expect(corsHeadersOf(res.headers)).toEqual(EXPECTED_CORS);
  expect(res.headers.get('x-request-id')).toMatch(UUID);
  expect(res.headers.has('x-powered-by')).toBe(false);
}

/** Nothing about the service's insides: no stack frame, no SQL, no file, no driver. */
function expectNoInternals(res: HttpResult): void {
  expect(res.text).not.toMatch(/\n\s*at /);
  expect(res.text).not.toMatch(/\bat .*:\d+:\d+/);
  expect(res.text).not.toMatch(/\b(SELECT|INSERT|UPDATE|DELETE|FROM|WHERE|VALUES)\b/);
  expect(res.text).not.toMatch(
    /relation "|duplicate key|violates|syntax error|QueryFailed|typeorm|node_modules|\.(ts|js):\d|stack/i,
  );
}

/** Errors with SQL and a stack in their text, and an unreachable database, thrown on demand. */
@Controller('test-faults')
class FaultsController {
  @Get('internal')
  internal(): never {
    throw Object.assign(
      new Error(
        'duplicate key value violates unique constraint "sessions_pkey": INSERT INTO sessions (id) VALUES ($1) RETURNING *',
      ),
      { code: '23505', query: 'SELECT * FROM sessions WHERE id = $1' },
    );
  }

  @Get('unavailable')
  unavailable(): never {
    throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
  }
}

@Module({ controllers: [FaultsController] })
class FaultsModule {}

describe('C6: security headers on every response, CORS untouched', () => {
  const sut = useTestApp({}, [FaultsModule]);

  async function startSession(app: TestApp): Promise<string> {
    const res = await post(app.baseUrl, SESSIONS, aSessionStart());
    expect(res.status, res.text).toBe(201);
    return sessionIdFrom(res);
  }

  async function closedSession(app: TestApp): Promise<string> {
    const sid = await startSession(app);
    const ended = await post(app.baseUrl, `${SESSIONS}/${sid}/events`, anEvent('sessionEnd'));
    expect(ended.status).toBe(204);
    return sid;
  }

  const successes: Array<[string, number, (app: TestApp) => Promise<HttpResult>]> = [
    ['a 201 (sessionStart)', 201, (app) => post(app.baseUrl, SESSIONS, aSessionStart())],
    [
      'a 204 (event)',
      204,
      async (app) =>
        post(app.baseUrl, `${SESSIONS}/${await startSession(app)}/events`, anEvent('play')),
    ],
    [
      'a 204 (OPTIONS preflight)',
      204,
      (app) =>
        request(app.baseUrl, 'OPTIONS', SESSIONS, {
          origin: 'https://player.example',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type',
        }),
    ],
    ['a 200 (GET /health)', 200, (app) => request(app.baseUrl, 'GET', '/health')],
    ['a 200 (GET /health/ready)', 200, (app) => request(app.baseUrl, 'GET', '/health/ready')],
  ];

  it.each(successes)(
    'C6: %s carries every security header with its exact value and the exact CORS headers',
    async (_kind, status, send) => {
      const res = await send(sut);
      expect(res.status, res.text).toBe(status);
      expectCommonHeaders(res);
    },
  );

  const errors: Array<[string, number, (app: TestApp) => Promise<HttpResult>]> = [
    [
      'a 400 (invalid body)',
      400,
      (app) => post(app.baseUrl, SESSIONS, aSessionStart({ body: { x: 1 } })),
    ],
    [
      'a 400 (unparseable JSON)',
      400,
      (app) => post(app.baseUrl, SESSIONS, undefined, { raw: '{' }),
    ],
    [
      'a 404 (unknown session)',
      404,
      (app) => post(app.baseUrl, `${SESSIONS}/${'0'.repeat(64)}/events`, anEvent('play')),
    ],
    ['a 404 (unknown route)', 404, (app) => request(app.baseUrl, 'GET', '/no/such/route')],
    [
      'a 404 (unknown event type schema)',
      404,
      (app) => request(app.baseUrl, 'GET', '/api/v1/schemas/nope'),
    ],
    [
      'a 410 (closed session)',
      410,
      async (app) =>
        post(app.baseUrl, `${SESSIONS}/${await closedSession(app)}/events`, anEvent('play')),
    ],
    [
      'a 413 (body over the cap)',
      413,
      (app) =>
        post(
          app.baseUrl,
          SESSIONS,
          aSessionStart({ body: { customMetadata: { a: 'x'.repeat(70_000) } } }),
        ),
    ],
    [
      'a 415 (not JSON)',
      415,
      (app) => post(app.baseUrl, SESSIONS, aSessionStart(), { contentType: 'text/xml' }),
    ],
    [
      'a 401 (reporting API without a token)',
      401,
      (app) => request(app.baseUrl, 'GET', '/api/v1/reports/live'),
    ],
    [
      'a 500 (thrown with SQL in its message)',
      500,
      (app) => request(app.baseUrl, 'GET', '/test-faults/internal'),
    ],
    [
      'a 503 (database unreachable)',
      503,
      (app) => request(app.baseUrl, 'GET', '/test-faults/unavailable'),
    ],
  ];

  it.each(errors)(
    'C6: %s carries every security header and the exact CORS headers, and an envelope without internals',
    async (_kind, status, send) => {
      const res = await send(sut);
      expectErrorEnvelope(res, status);
      expectCommonHeaders(res);
      expectNoInternals(res);
    },
  );

  it('C6: a 500 says only "Internal server error." and a 503 asks to retry in 5 s', async () => {
    const internal = await request(sut.baseUrl, 'GET', '/test-faults/internal');
    expect(expectErrorEnvelope(internal, 500)).toEqual({
      statusCode: 500,
      message: 'Internal server error.',
      requestId: internal.headers.get('x-request-id'),
    });
    const unavailable = await request(sut.baseUrl, 'GET', '/test-faults/unavailable');
    expectErrorEnvelope(unavailable, 503);
    expect(unavailable.headers.get('retry-after')).toBe('5');
    expect(unavailable.text).not.toMatch(/ECONNREFUSED|5432|127\.0\.0\.1/);
  });

  it('C6: a real database fault is a 500 with the security headers and no SQL, stack or table name', async () => {
    await sut.db.query('ALTER TABLE events RENAME TO events_away');
    let res: HttpResult;
    try {
      res = await post(sut.baseUrl, SESSIONS, aSessionStart());
    } finally {
      await sut.db.query('ALTER TABLE events_away RENAME TO events');
    }
    expectErrorEnvelope(res, 500);
    expectCommonHeaders(res);
    expectNoInternals(res);
    expect(res.text).not.toMatch(/events|sessions/);
    await expectNothingStored(sut.db);
  });

  it('C6: OPTIONS on any /api/v1 path is 204 with an empty body and every header', async () => {
    for (const path of ['/api/v1', '/api/v1/sessions/abc/events', '/api/v1/downloaded']) {
      const res = await request(sut.baseUrl, 'OPTIONS', path);
      expect(res.status, path).toBe(204);
      expect(res.text).toBe('');
      expectCommonHeaders(res);
    }
  });

  it('C6: a well-formed X-Request-Id is echoed beside the security headers', async () => {
    const res = await post(sut.baseUrl, SESSIONS, aSessionStart({ body: { x: 1 } }), {
      headers: { 'x-request-id': 'proxy-42' },
    });
    expect(expectErrorEnvelope(res, 400).requestId).toBe('proxy-42');
    expect(securityHeadersOf(res.headers)).toEqual(EXPECTED_SECURITY);
    expect(corsHeadersOf(res.headers)).toEqual(EXPECTED_CORS);
  });

  it('C6: GET /api/v1/schemas/{eventType} is a 200 with CORS and the hardening headers', async () => {
    const res = await request(sut.baseUrl, 'GET', '/api/v1/schemas/play');
    expect(res.status).toBe(200);
    expect(corsHeadersOf(res.headers)).toEqual(EXPECTED_CORS);
    const { 'cache-control': _cacheControl, ...others } = EXPECTED_SECURITY;
    expect(securityHeadersOf(res.headers)).toMatchObject(others);
    expect(res.headers.get('cache-control')).toBeTruthy();
  });

  it.each(['/docs-json', '/docs'])(
    'C6: the OpenAPI route %s carries the CORS headers and an X-Request-Id like every response',
    async (path) => {
      const res = await request(sut.baseUrl, 'GET', path);
      expect(res.status).toBe(200);
      expect(corsHeadersOf(res.headers)).toEqual(EXPECTED_CORS);
      expect(res.headers.get('x-request-id')).toMatch(UUID);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    },
  );
});

describe('C6: a 429 from the rate limiter carries the same headers', () => {
  const sut = useTestApp({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '1' });

  it('C6: the 429 has every security header, the exact CORS headers, Retry-After and no internals', async () => {
    const first = await request(sut.baseUrl, 'GET', '/api/v1/schemas/play');
    expect(first.status).toBe(200);
    const res = await post(sut.baseUrl, SESSIONS, aSessionStart());
    expectErrorEnvelope(res, 429);
    expectCommonHeaders(res);
    expectNoInternals(res);
    expect(res.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    await expectNothingStored(sut.db);
  });
});

/** Sends raw bytes on a fresh connection and returns everything the server wrote before closing. */
function rawExchange(baseUrl: string, bytes: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.write(bytes));
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
  });
}

describe('C6: answers outside the routes and caching per route', () => {
  const sut = useTestApp({});

  it('C6: a request Node cannot parse gets 400 with the envelope, CORS, a request id, and the connection closed', async () => {
    const raw = await rawExchange(sut.baseUrl, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    const [head = '', body = ''] = raw.split('\r\n\r\n');
    const headers = new Map(
      head
        .split('\r\n')
        .slice(1)
        .map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 2),
        ]),
    );
    expect(head.split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    for (const [name, value] of Object.entries(EXPECTED_CORS))
      expect(headers.get(name)).toBe(value);
    expect(headers.get('x-content-type-options')).toBe('nosniff');
    expect(headers.get('connection')).toBe('close');
    const envelope = JSON.parse(body) as Record<string, unknown>;
    expect(envelope).toEqual({
      statusCode: 400,
      message: 'The request is not valid HTTP.',
      requestId: headers.get('x-request-id'),
    });
  });

  it('C6: a created session is never cached; a published schema may be kept an hour', async () => {
    const created = await post(sut.baseUrl, SESSIONS, aSessionStart());
    expect(created.status).toBe(201);
    expect(created.headers.get('cache-control')).toBe('no-store');
    const schema = await request(sut.baseUrl, 'GET', '/api/v1/schemas/play');
    expect(schema.status).toBe(200);
    expect(schema.headers.get('cache-control')).toBe('public, max-age=3600');
  });
});
