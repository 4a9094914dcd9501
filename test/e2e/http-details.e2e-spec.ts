import http from 'node:http';
import { connect } from 'node:net';
import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  countRows,
  errorPaths,
  expectCorsHeaders,
  expectErrorEnvelope,
  expectNothingStored,
  sidOf,
  UUID,
} from '../support/contract.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { type HttpResult, post, request, sessionIdFrom } from '../support/http.js';
import { useTestApp } from '../support/test-app.js';

const SESSIONS = '/api/v1/sessions';
const DOWNLOADED = '/api/v1/downloaded';
const SUMMARY = '/api/v1/reports/summary';
const TOKEN = 'http-details-reports-token-0123';
const AUTH = { authorization: `Bearer ${TOKEN}` };
const START_TS = 1_700_000_000_000;

/** POSTs bytes as given: Content-Length from the bytes, or chunked; the answer as fetch's is. */
function postBytes(
  baseUrl: string,
  path: string,
  body: Buffer,
  headers: Record<string, string>,
  options: { chunked?: boolean } = {},
): Promise<HttpResult> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: hostname,
        port: Number(port),
        path,
        method: 'POST',
        headers: options.chunked ? headers : { ...headers, 'content-length': body.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const answer = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (typeof value === 'string') answer.set(name, value);
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: answer,
            text,
            json: <T>() => JSON.parse(text) as T,
          });
        });
      },
    );
    // The server may answer (413, 415) and close before the whole body is written.
    req.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') reject(error);
    });
    if (options.chunked) {
      for (let at = 0; at < body.length; at += 16_384) req.write(body.subarray(at, at + 16_384));
      req.end();
    } else {
      req.end(body);
    }
  });
}

/** Writes a request head as raw bytes (fetch and node:http refuse what is tested here). */
function rawExchange(baseUrl: string, head: Buffer): Promise<{ head: string; body: string }> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const split = text.indexOf('\r\n\r\n');
      resolve({ head: text.slice(0, split), body: text.slice(split + 4) });
    });
    socket.write(head);
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

const headerOf = (head: string, name: string) =>
  new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1];

/** A whole offline session: start, play, end. */
function anOfflineSession(): Array<Record<string, unknown>> {
  return [
    aSessionStart({ playerTime: { ts: START_TS, playhead: 0 } }),
    anEvent('play', { playerTime: { ts: START_TS + 1_000, playhead: 0 } }),
    anEvent('sessionEnd', { playerTime: { ts: START_TS + 5_000, playhead: 4 } }),
  ];
}

/** JSON text padded with blanks after its first byte to exactly `bytes` bytes (still valid JSON). */
function paddedJson(value: unknown, bytes: number): Buffer {
  const text = JSON.stringify(value);
  const padded = `${text.slice(0, 1)}${' '.repeat(bytes - text.length)}${text.slice(1)}`;
  expect(Buffer.byteLength(padded)).toBe(bytes);
  return Buffer.from(padded);
}

describe('C6: a known path with a method it does not serve is 405 with Allow', () => {
  const sut = useTestApp({ REPORTS_API_TOKEN: TOKEN });

  function expect405(res: HttpResult, allow: string): void {
    const envelope = expectErrorEnvelope(res, 405);
    expect(envelope.errors).toBeUndefined();
    expect(res.headers.get('allow')).toBe(allow);
    expectCorsHeaders(res.headers);
  }

  it.each([
    ['GET', SESSIONS, 'OPTIONS, POST'],
    ['PUT', SESSIONS, 'OPTIONS, POST'],
    ['DELETE', `${SESSIONS}/${'a'.repeat(64)}/events`, 'OPTIONS, POST'],
    ['GET', `${SESSIONS}/${'a'.repeat(64)}/events`, 'OPTIONS, POST'],
    ['GET', DOWNLOADED, 'OPTIONS, POST'],
    ['POST', '/health', 'GET, HEAD'],
    ['DELETE', '/health/ready', 'GET, HEAD'],
    ['POST', SUMMARY, 'GET, HEAD, OPTIONS'],
    ['PATCH', '/api/v1/reports/sessions/abc', 'GET, HEAD, OPTIONS'],
    ['POST', '/api/v1/schemas/play', 'GET, HEAD, OPTIONS'],
  ])('C6: %s %s is 405 with Allow: %s', async (method, path, allow) => {
    expect405(await request(sut.baseUrl, method, path), allow);
  });

  it('C6: a query string does not hide the path: GET /api/v1/sessions?x=1 is 405', async () => {
    expect405(await request(sut.baseUrl, 'GET', `${SESSIONS}?x=1`), 'OPTIONS, POST');
  });

  it('C6: a 405 is answered before the body is read, and stores nothing', async () => {
    const res = await postBytes(
      sut.baseUrl,
      '/health',
      Buffer.from(JSON.stringify(aSessionStart())),
      {
        'content-type': 'application/json',
      },
    );
    expect405(res, 'GET, HEAD');
    await expectNothingStored(sut.db);
  });

  it.each([
    ['GET', '/nope'],
    ['POST', '/api/v1/nope'],
    ['GET', '/api/v1'],
    ['GET', `${SESSIONS}/${'a'.repeat(64)}`],
    ['POST', `${SESSIONS}/`],
    ['GET', '/healthz'],
  ])('C6: %s %s (an unknown path) stays 404', async (method, path) => {
    const res = await request(sut.baseUrl, method, path);
    expectErrorEnvelope(res, 404);
    expect(res.headers.get('allow')).toBeNull();
    expectCorsHeaders(res.headers);
  });

  it('C6: the methods a path serves still answer (POST, OPTIONS preflight, GET, HEAD)', async () => {
    expect((await post(sut.baseUrl, SESSIONS, aSessionStart())).status).toBe(201);
    expect((await request(sut.baseUrl, 'OPTIONS', SESSIONS)).status).toBe(204);
    expect((await request(sut.baseUrl, 'GET', '/health')).status).toBe(200);
    expect((await request(sut.baseUrl, 'HEAD', '/health')).status).toBe(200);
  });
});

describe('C9: 401 on the reporting API says WWW-Authenticate: Bearer', () => {
  const sut = useTestApp({ REPORTS_API_TOKEN: TOKEN, RATE_LIMIT_PER_SECOND: '0' });
  const ROUTES = [`${SUMMARY}?groupBy=day`, '/api/v1/reports/live', '/api/v1/reports/sessions/abc'];

  it.each(ROUTES)(
    'C9: %s without a valid token is 401 with the envelope and the challenge',
    async (route) => {
      const refused: Array<Record<string, string>> = [
        {},
        { authorization: `Basic ${TOKEN}` },
        { authorization: 'Bearer wrong-token-0000000000' },
      ];
      for (const headers of refused) {
        const res = await request(sut.baseUrl, 'GET', route, headers);
        const envelope = expectErrorEnvelope(res, 401);
        expect(envelope.errors).toBeUndefined();
        expect(res.headers.get('www-authenticate')).toBe('Bearer');
        expectCorsHeaders(res.headers);
      }
    },
  );

  it.each(['Bearer', 'bearer', 'BEARER', 'bEaReR'])(
    'C9: the scheme %s is accepted (case-insensitive, RFC 7235)',
    async (scheme) => {
      const res = await request(sut.baseUrl, 'GET', `${SUMMARY}?groupBy=day`, {
        authorization: `${scheme} ${TOKEN}`,
      });
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('www-authenticate')).toBeNull();
    },
  );

  it('C9: other 4xx answers carry no challenge', async () => {
    const res = await request(sut.baseUrl, 'GET', `${SUMMARY}?from=x`, AUTH);
    expectErrorEnvelope(res, 400);
    expect(res.headers.get('www-authenticate')).toBeNull();
  });
});

describe('C1: Content-Encoding and charset', () => {
  const sut = useTestApp({ RATE_LIMIT_PER_SECOND: '0' });
  const json = { 'content-type': 'application/json' };
  const start = () => Buffer.from(JSON.stringify(aSessionStart()));

  function expectCreated(res: HttpResult): void {
    expect(res.status, res.text).toBe(201);
    expect(sidOf(res)).toBeDefined();
  }

  async function expectRefused(res: HttpResult, status: number): Promise<void> {
    expectErrorEnvelope(res, status);
    expectCorsHeaders(res.headers);
    await expectNothingStored(sut.db);
  }

  it.each([
    ['gzip', (body: Buffer) => gzipSync(body)],
    ['GZIP', (body: Buffer) => gzipSync(body)],
    ['x-gzip', (body: Buffer) => gzipSync(body)],
    ['deflate', (body: Buffer) => deflateSync(body)],
    ['identity', (body: Buffer) => body],
  ])('C1: a sessionStart sent with Content-Encoding: %s is stored', async (coding, encode) => {
    expectCreated(
      await postBytes(sut.baseUrl, SESSIONS, encode(start()), {
        ...json,
        'content-encoding': coding,
      }),
    );
    expect(await countRows(sut.db, 'sessions')).toBe(1);
  });

  it('C1: a gzip body sent chunked (no Content-Length) is inflated too', async () => {
    expectCreated(
      await postBytes(
        sut.baseUrl,
        SESSIONS,
        gzipSync(start()),
        { ...json, 'content-encoding': 'gzip' },
        { chunked: true },
      ),
    );
  });

  it('C1: gzip events on an open session are stored (the events route inflates as well)', async () => {
    const sid = sessionIdFrom(await post(sut.baseUrl, SESSIONS, aSessionStart()));
    const ping = Buffer.from(
      JSON.stringify(anEvent('ping', { playerTime: { ts: 1509045334153, playhead: 10 } })),
    );
    const res = await postBytes(sut.baseUrl, `${SESSIONS}/${sid}/events`, gzipSync(ping), {
      ...json,
      'content-encoding': 'gzip',
    });
    expect(res.status, res.text).toBe(204);
    expect(await countRows(sut.db, 'events')).toBe(2);
  });

  it.each(['br', 'compress', 'zstd', 'chunked', 'gzip, gzip', 'x-unknown'])(
    'C1: Content-Encoding: %s is 415 with the envelope and CORS',
    async (coding) => {
      await expectRefused(
        await postBytes(sut.baseUrl, SESSIONS, gzipSync(start()), {
          ...json,
          'content-encoding': coding,
        }),
        415,
      );
    },
  );

  it('C1: a body that says gzip but is not is 400', async () => {
    await expectRefused(
      await postBytes(sut.baseUrl, SESSIONS, start(), { ...json, 'content-encoding': 'gzip' }),
      400,
    );
  });

  it('C1: the object cap counts inflated bytes: 64 KiB + 1 inflated is 413 however small the gzip', async () => {
    const body = gzipSync(paddedJson(aSessionStart(), 64 * 1024 + 1));
    expect(body.length).toBeLessThan(2_000);
    await expectRefused(
      await postBytes(sut.baseUrl, SESSIONS, body, { ...json, 'content-encoding': 'gzip' }),
      413,
    );
    expectCreated(
      await postBytes(sut.baseUrl, SESSIONS, gzipSync(paddedJson(aSessionStart(), 64 * 1024)), {
        ...json,
        'content-encoding': 'gzip',
      }),
    );
  });

  it.each([SESSIONS, DOWNLOADED, `${SESSIONS}/${'b'.repeat(64)}/events`])(
    'C1: a zip bomb (64 MiB of zeros in about 64 KB of gzip) on %s is 413 at once',
    async (path) => {
      const bomb = gzipSync(Buffer.alloc(64 << 20));
      expect(bomb.length).toBeLessThan(100_000);
      const started = Date.now();
      const res = await postBytes(sut.baseUrl, path, bomb, { ...json, 'content-encoding': 'gzip' });
      await expectRefused(res, 413);
      expect(Date.now() - started).toBeLessThan(5_000);
    },
  );

  it('C1: the offline cap keeps working compressed: a 1 MiB array (inflated) is stored on both routes', async () => {
    for (const path of [DOWNLOADED, SESSIONS]) {
      const body = gzipSync(paddedJson(anOfflineSession(), 1 << 20));
      const res = await postBytes(sut.baseUrl, path, body, { ...json, 'content-encoding': 'gzip' });
      expect(res.status, `${path}: ${res.text}`).toBe(201);
    }
    expect(await countRows(sut.db, 'sessions')).toBe(2);
  });

  it('C1: an offline array over 4 MiB inflated is 413 on both routes', async () => {
    for (const path of [DOWNLOADED, SESSIONS]) {
      const body = deflateSync(paddedJson(anOfflineSession(), (4 << 20) + 1));
      await expectRefused(
        await postBytes(sut.baseUrl, path, body, { ...json, 'content-encoding': 'deflate' }),
        413,
      );
    }
  });

  it.each([
    'application/json; charset=utf-8',
    'application/json; charset=UTF-8',
    'application/json; charset="utf-8"',
    'application/json;Charset="UTF-8"',
    'text/plain; charset=utf-8',
    'text/plain',
  ])('C1: Content-Type %s is accepted', async (contentType) => {
    expectCreated(await postBytes(sut.baseUrl, SESSIONS, start(), { 'content-type': contentType }));
  });

  it.each([
    'application/json; charset=latin1',
    'application/json; charset=iso-8859-1',
    'application/json; charset="ISO-8859-1"',
    'application/json; charset=utf-16',
    'text/plain; charset=windows-1252',
  ])('C1: Content-Type %s (another charset) is 415', async (contentType) => {
    await expectRefused(
      await postBytes(sut.baseUrl, SESSIONS, start(), { 'content-type': contentType }),
      415,
    );
  });
});

describe('C6: X-Request-Id is used only when it is short and plain', () => {
  const sut = useTestApp({ RATE_LIMIT_PER_SECOND: '0' });
  const invalidStart = () => post(sut.baseUrl, SESSIONS, { eventType: 'sessionStart' });

  it.each([
    ['128 plain characters', 'a'.repeat(128)],
    ['all the allowed characters', 'AZaz09._:-'],
    ['one character', 'x'],
  ])('C6: %s are echoed and used as requestId', async (_kind, id) => {
    const res = await post(
      sut.baseUrl,
      SESSIONS,
      { eventType: 'sessionStart' },
      { headers: { 'x-request-id': id } },
    );
    expect(expectErrorEnvelope(res, 400).requestId).toBe(id);
    expect(res.headers.get('x-request-id')).toBe(id);
  });

  it.each([
    ['129 characters', 'a'.repeat(129)],
    ['spaces', 'trace 42'],
    ['percent-encoded CRLF', 'abc%0D%0ASet-Cookie:x'],
    ['escaped CRLF text', 'abc\\r\\nX-Injected:1'],
    ['a tab', 'abc\tdef'],
    ['latin-1 letters', 'café'],
    ['a slash', 'a/b'],
    ['JSON', '{"requestId":"x"}'],
  ])('C6: an id with %s is replaced by a new UUID', async (_kind, given) => {
    const res = await post(
      sut.baseUrl,
      SESSIONS,
      { eventType: 'sessionStart' },
      { headers: { 'x-request-id': given } },
    );
    const { requestId } = expectErrorEnvelope(res, 400);
    expect(requestId).toMatch(UUID);
    expect(res.headers.get('x-request-id')).toBe(requestId);
  });

  it('C6: an id of UTF-8 bytes (unicode) is replaced by a new UUID', async () => {
    const head = Buffer.concat([
      Buffer.from('GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Request-Id: '),
      Buffer.from('trace-\u00e9\u65e5\u672c-\u{1F600}', 'utf8'),
      Buffer.from('\r\n\r\n'),
    ]);
    const { head: answer } = await rawExchange(sut.baseUrl, head);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(headerOf(answer, 'x-request-id')).toMatch(UUID);
  });

  it('C6: a bare CR inside the id is refused by the parser: 400, and a fresh UUID', async () => {
    const head = Buffer.from(
      'GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Request-Id: abc\rSet-Cookie: x=1\r\n\r\n',
      'latin1',
    );
    const { head: answer, body } = await rawExchange(sut.baseUrl, head);
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer).not.toMatch(/^set-cookie/im);
    expect(headerOf(answer, 'x-request-id')).toMatch(UUID);
    expect(JSON.parse(body)).toMatchObject({ statusCode: 400 });
  });

  it('C6: the log of a 500 names the replacement id, never the one the client sent', async () => {
    const given = 'bad id with spaces and ünïcode';
    await sut.db.query('ALTER TABLE events RENAME TO events_away');
    let res: HttpResult;
    try {
      res = await post(sut.baseUrl, SESSIONS, aSessionStart(), {
        headers: { 'x-request-id': given },
      });
    } finally {
      await sut.db.query('ALTER TABLE events_away RENAME TO events');
    }
    const { requestId } = expectErrorEnvelope(res, 500);
    expect(requestId).toMatch(UUID);
    const errors = sut.logger.text('error');
    expect(errors).toContain(requestId);
    expect(errors).not.toContain(given);
    // The envelope's requestId is the one the invalid answers above got too: never the client's.
    expect((await invalidStart()).json<{ requestId: string }>().requestId).toMatch(UUID);
  });
});

describe('C9: summary dates parsed strictly', () => {
  const sut = useTestApp({ REPORTS_API_TOKEN: TOKEN, RATE_LIMIT_PER_SECOND: '0' });
  const summary = (query: string) => request(sut.baseUrl, 'GET', `${SUMMARY}?${query}`, AUTH);

  it.each([
    'from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z',
    'from=2020-01-01T00:00:00.123%2B02:00&to=2020-01-02T00:00:00-05:00',
    'from=2020-01-01&to=2020-01-02',
    'from=2020-02-29',
    'to=2020-01-01T00:00:00z',
    'groupBy=day',
  ])('C9: %s is 200', async (query) => {
    const res = await summary(query);
    expect(res.status, res.text).toBe(200);
    expect(Array.isArray(res.json())).toBe(true);
  });

  it.each([
    ['from=2020-W01', 'from'],
    ['from=20200101', 'from'],
    ['from=2020-01-01T00Z', 'from'],
    ['from=2020-01-01T00:00Z', 'from'],
    ['from=2020-01-01T00:00:00', 'from'],
    ['from=2020-13-01', 'from'],
    ['from=2020-02-30', 'from'],
    ['from=2020-01-01T24:00:00Z', 'from'],
    ['from=', 'from'],
    ['from=a&from=b', 'from'],
    ['from=2020-01-01&from=2020-01-02', 'from'],
    ['to=2020-01-01T00:00:00+02:00', 'to'],
    ['to=2020-01-01T00:00:00%2B0200', 'to'],
    ['to=1577836800000', 'to'],
    ['to=', 'to'],
  ])('C9: %s is 400 naming %s, never 500', async (query, field) => {
    const res = await summary(query);
    const envelope = expectErrorEnvelope(res, 400);
    expect(errorPaths(res)).toEqual([field]);
    expect(envelope.message).toMatch(/RFC 3339/);
  });

  it.each([
    'from=2020-01-02&to=2020-01-01',
    'from=2020-01-01T00:00:00Z&to=2020-01-01',
    'from=2020-01-01T02:00:00%2B02:00&to=2020-01-01T00:00:00Z',
  ])('C9: from >= to (%s) is 400', async (query) => {
    const envelope = expectErrorEnvelope(await summary(query), 400);
    expect(envelope.message).toMatch(/before/);
  });
});

describe('C9: CSV cells a spreadsheet could run are neutralised', () => {
  const sut = useTestApp({ REPORTS_API_TOKEN: TOKEN, RATE_LIMIT_PER_SECOND: '0' });

  it('C9: media.id keys after blanks, zero-width or full-width signs get a leading quote', async () => {
    const ids = [
      '\u200b=HYPERLINK("http://x")',
      ' \t+1',
      '\uff1d1+1',
      '\u00a0@SUM(A1)',
      'plain-id',
    ];
    for (const id of ids) {
      expect(
        (await post(sut.baseUrl, SESSIONS, aSessionStart({ params: { 'media.id': id } }))).status,
      ).toBe(201);
    }
    const res = await request(sut.baseUrl, 'GET', `${SUMMARY}?groupBy=media.id`, {
      ...AUTH,
      accept: 'text/csv',
    });
    expect(res.status, res.text).toBe(200);
    const keys = res.text
      .split('\r\n')
      .slice(1, -1)
      .map((line) => /^("(?:[^"]|"")*"|[^,]*)/.exec(line)?.[1]);
    expect(keys.sort()).toEqual(
      [
        `"'\u200b=HYPERLINK(""http://x"")"`,
        "' \t+1",
        "'\uff1d1+1",
        "'\u00a0@SUM(A1)",
        'plain-id',
      ].sort(),
    );
  });
});

describe('C6, C8: session starts have their own bucket per address', () => {
  const sut = useTestApp({
    TRUST_PROXY: 'true',
    RATE_LIMIT_PER_SECOND: '1000',
    RATE_LIMIT_BURST: '1000',
    SESSION_STARTS_PER_SECOND: '1',
    SESSION_STARTS_BURST: '3',
  });
  const from = (address: string) => ({ headers: { 'x-forwarded-for': address } });

  it('C6: one address is refused after its burst of starts while another still starts sessions', async () => {
    const a = from('198.51.100.7');
    const started: number[] = [];
    for (let i = 0; i < 3; i += 1)
      started.push((await post(sut.baseUrl, SESSIONS, aSessionStart(), a)).status);
    expect(started).toEqual([201, 201, 201]);
    const refused = await post(sut.baseUrl, SESSIONS, aSessionStart(), a);
    const envelope = expectErrorEnvelope(refused, 429);
    expect(envelope.message).toMatch(/session starts/);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expectCorsHeaders(refused.headers);
    // The offline route starts sessions too: charged to the same bucket.
    expectErrorEnvelope(await post(sut.baseUrl, DOWNLOADED, anOfflineSession(), a), 429);
    expect(await countRows(sut.db, 'sessions')).toBe(3);

    const b = from('203.0.113.9');
    expect((await post(sut.baseUrl, SESSIONS, aSessionStart(), b)).status).toBe(201);
    expect((await post(sut.baseUrl, DOWNLOADED, anOfflineSession(), b)).status).toBe(201);
    expect(await countRows(sut.db, 'sessions')).toBe(5);
  });

  it('C6: pings are not charged to it: a refused address still sends its events', async () => {
    const a = from('198.51.100.8');
    const sid = sessionIdFrom(await post(sut.baseUrl, SESSIONS, aSessionStart(), a));
    for (let i = 1; i <= 20; i += 1) {
      const ping = anEvent('ping', {
        playerTime: { ts: 1509045324153 + i * 10_000, playhead: i * 10 },
      });
      const res = await post(sut.baseUrl, `${SESSIONS}/${sid}/events`, ping, a);
      expect(res.status, res.text).toBe(204);
    }
    // Twenty pings later the address has its two remaining starts, and then no more.
    expect((await post(sut.baseUrl, SESSIONS, aSessionStart(), a)).status).toBe(201);
    expect((await post(sut.baseUrl, SESSIONS, aSessionStart(), a)).status).toBe(201);
    expectErrorEnvelope(await post(sut.baseUrl, SESSIONS, aSessionStart(), a), 429);
  });
});

describe('C8: SESSION_STARTS_PER_SECOND=0 turns the session-start bucket off', () => {
  const sut = useTestApp({ SESSION_STARTS_PER_SECOND: '0', SESSION_STARTS_BURST: '1' });

  it('C8: ten starts from one address are all stored', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1)
      statuses.push((await post(sut.baseUrl, SESSIONS, aSessionStart())).status);
    expect(statuses).toEqual(Array(10).fill(201));
  });
});

describe('C6: X-Forwarded-For without TRUST_PROXY is logged once', () => {
  const sut = useTestApp();
  const warnings = () =>
    sut.logger.lines.filter(
      (line) => line.level === 'warn' && String(line.message).includes('X-Forwarded-For'),
    );

  it('C6: no warning without the header; one warning however many requests carry it', async () => {
    await request(sut.baseUrl, 'GET', '/health');
    await post(sut.baseUrl, SESSIONS, aSessionStart());
    expect(warnings()).toHaveLength(0);
    for (const address of ['192.0.2.1', '192.0.2.2', '192.0.2.3']) {
      await post(sut.baseUrl, SESSIONS, aSessionStart(), {
        headers: { 'x-forwarded-for': address },
      });
    }
    const [warning, ...more] = warnings();
    expect(more).toHaveLength(0);
    expect(String(warning?.message)).toMatch(/TRUST_PROXY is not set/);
    expect(String(warning?.message)).toMatch(
      /shares the proxy's address and its rate-limit buckets/,
    );
    expect(String(warning?.message)).not.toContain('192.0.2.');
  });
});

describe('C6: X-Forwarded-For with TRUST_PROXY set is not warned about', () => {
  const sut = useTestApp({ TRUST_PROXY: 'true' });

  it('C6: forwarded requests behind a trusted proxy log no warning', async () => {
    await post(sut.baseUrl, SESSIONS, aSessionStart(), {
      headers: { 'x-forwarded-for': '192.0.2.1' },
    });
    expect(sut.logger.text('warn')).not.toContain('X-Forwarded-For');
  });
});
