import { connect } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { aSessionStart, anEvent } from '../support/factories.js';
import { type HttpResult, post, request } from '../support/http.js';
import { type ServiceProcess, freePort, startServiceProcess } from '../support/service-process.js';

interface LogLine {
  level: string;
  time: string;
  msg?: string;
  requestId?: string;
  context?: string;
  url?: string;
  [field: string]: unknown;
}

/** Strings a client might send to break a log line or forge one. */
const LONG = 'L'.repeat(5_000);
const FORGED_FIELD = '","level":"fatal","msg":"forged';
const HOSTILE = `a\nb\rc\u001b[31mred\u001b[0m${FORGED_FIELD}\n{"level":"fatal","msg":"forged line"}`;

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
/** The suffix logSafe adds to a cut string. */
const CUT_SUFFIX = /…\(\d+ more\)$/;

/** Sends a request line as given, bytes and all (fetch would encode what matters here). */
function rawRequest(baseUrl: string, head: string): Promise<string> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
    socket.on('error', reject);
    socket.on('close', () => resolve(answer));
    socket.write(head, 'latin1');
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

describe('C6: JSON logs of the built service (LOG_LEVEL=debug), with hostile client strings', () => {
  let service: ServiceProcess;
  let lines: LogLine[] = [];
  let texts: string[] = [];
  const responses: Record<string, HttpResult> = {};

  beforeAll(async () => {
    service = await startServiceProcess(
      {
        DATABASE_URL: inject('databaseUrl'),
        LOG_LEVEL: 'debug',
        RATE_LIMIT_PER_SECOND: '0',
        REPORTS_API_TOKEN: 'logging-test-token-0123456789',
      },
      await freePort(),
    );
    const base = service.baseUrl;

    // Hostile strings in the body of a valid sessionStart (stored, never logged as such).
    responses.body = await post(
      base,
      '/api/v1/sessions',
      aSessionStart({
        params: { 'media.name': HOSTILE, 'player.note': LONG, [`x${FORGED_FIELD}`]: HOSTILE },
        body: { customMetadata: { note: HOSTILE.replace(/[^\x20-\x7e]/g, '.') } },
      }),
    );
    // ... and in an invalid one (a 400 naming them).
    responses.invalid = await post(
      base,
      '/api/v1/sessions',
      aSessionStart({ body: { eventType: HOSTILE, [LONG]: HOSTILE } }),
    );
    // Hostile strings in the URL: path, query, 5,000 characters, percent-encoded control bytes.
    responses.url = await post(
      base,
      `/api/v1/sessions/${encodeURIComponent(HOSTILE)}/events?q=${encodeURIComponent(HOSTILE)}&long=${LONG}`,
      anEvent('play'),
    );
    responses.get = await request(
      base,
      'GET',
      `/nowhere/${encodeURIComponent(HOSTILE)}?${LONG}${encodeURIComponent(FORGED_FIELD)}`,
    );
    // A request line with raw bytes the HTTP parser may refuse; whatever it does, logs stay JSON.
    await rawRequest(
      base,
      `GET /raw/\u001b[31m${FORGED_FIELD}\u00ff HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
    );

    // A 500: the error and its stack go to the log under the request id.
    const db = new pg.Client({ connectionString: inject('databaseUrl') });
    await db.connect();
    try {
      await db.query('ALTER TABLE events RENAME TO events_away_logging');
      try {
        responses.fault = await post(
          base,
          `/api/v1/sessions?q=${encodeURIComponent(HOSTILE)}${LONG}`,
          aSessionStart(),
        );
      } finally {
        await db.query('ALTER TABLE events_away_logging RENAME TO events');
      }
      await db.query('TRUNCATE sessions, session_params, events, session_reports');
    } finally {
      await db.end();
    }

    // Stop the service so that every line is written before the output is read.
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
    texts = service
      .output()
      .split('\n')
      .filter((text) => text.length > 0);
    lines = texts.map((text) => {
      try {
        return JSON.parse(text) as LogLine;
      } catch {
        return { level: 'NOT JSON', time: '', msg: text };
      }
    });
  }, 60_000);

  afterAll(() => {
    if (service?.child.exitCode === null) service.child.kill('SIGKILL');
  });

  const accessLineOf = (res: HttpResult): LogLine | undefined =>
    lines.find(
      (line) => line.msg === 'request' && line.requestId === res.headers.get('x-request-id'),
    );

  it('C6: the requests were answered as the contract says (sanity check)', () => {
    expect(responses.body?.status).toBe(201);
    expect(responses.invalid?.status).toBe(400);
    expect(responses.url?.status).toBe(404);
    expect(responses.get?.status).toBe(404);
    expect(responses.fault?.status).toBe(500);
  });

  it('C6: every line the service wrote is one JSON object with level and time', () => {
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.filter((line) => line.level === 'NOT JSON').map((line) => line.msg)).toEqual([]);
    for (const line of lines) {
      expect(typeof line, JSON.stringify(line)).toBe('object');
      expect(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).toContain(line.level);
      expect(line.time, JSON.stringify(line)).toMatch(ISO_TIME);
      expect(line.service, JSON.stringify(line)).toBe('media-collection-api');
    }
  });

  it('C6: every line has a msg, error lines included (README: level, time, service, context, msg)', () => {
    const withoutMsg = lines.filter((line) => typeof line.msg !== 'string');
    expect(
      withoutMsg.map((line) => ({ level: line.level, context: line.context })),
      JSON.stringify(withoutMsg[0] ?? {}).slice(0, 400),
    ).toEqual([]);
  });

  it('C6: no client string forged a line, a level or a field', () => {
    expect(lines.filter((line) => line.level === 'fatal')).toEqual([]);
    expect(lines.filter((line) => line.msg === 'forged' || line.msg === 'forged line')).toEqual([]);
    for (const text of texts) {
      expect(text).not.toContain('\u001b');
      expect(text).not.toContain('\r');
      // The line's own level and time are its only ones (JSON.parse would keep a later duplicate).
      for (const key of ['level', 'time']) {
        const structural = text.match(new RegExp(`(?<=[{,])"${key}":`, 'g')) ?? [];
        expect(structural, `${key} in ${text.slice(0, 300)}`).toHaveLength(1);
      }
    }
  });

  it('C6: the startup line "listening on" is JSON, at info level, from Main', () => {
    const listening = lines.filter((line) => line.msg?.startsWith('listening on'));
    expect(listening).toHaveLength(1);
    expect(listening[0]).toMatchObject({ level: 'info', context: 'Main' });
    expect(listening[0]?.msg).toContain(service.baseUrl);
  });

  it('C6: each request has one access-log line at debug level under its X-Request-Id', () => {
    for (const [name, res] of Object.entries(responses)) {
      const requestId = res.headers.get('x-request-id');
      const access = lines.filter((line) => line.msg === 'request' && line.requestId === requestId);
      expect(access, name).toHaveLength(1);
      expect(access[0], name).toMatchObject({ level: 'debug', status: res.status });
      expect(typeof access[0]?.method, name).toBe('string');
      expect(typeof access[0]?.ms, name).toBe('number');
    }
    expect(accessLineOf(responses.body)).toMatchObject({
      method: 'POST',
      url: '/api/v1/sessions',
      route: '/api/v1/sessions',
      status: 201,
    });
  });

  it('C6: a hostile URL is logged cut to 300 characters plus the cut note, without raw control characters', () => {
    for (const name of ['url', 'get', 'fault'] as const) {
      const url = accessLineOf(responses[name])?.url;
      expect(typeof url, name).toBe('string');
      expect(url!.length, name).toBeLessThanOrEqual(300 + '…(99999 more)'.length);
      expect(url, name).toMatch(CUT_SUFFIX);
      expect(url, name).not.toMatch(/[\n\r]/);
      expect(url, name).not.toContain('\u001b');
    }
  });

  it('C6: the body is not logged: the 5,000-character value appears in no line', () => {
    expect(texts.filter((text) => text.includes('L'.repeat(301)))).toEqual([]);
  });

  it('C6: a 500 is logged once at error level under its requestId, with the stack and a cut URL', () => {
    const requestId = responses.fault.headers.get('x-request-id');
    const errors = lines.filter((line) => line.level === 'error' && line.requestId === requestId);
    expect(errors).toHaveLength(1);
    const [error] = errors;
    expect(error).toMatchObject({ context: 'Errors', method: 'POST' });
    expect(String(error?.error)).toMatch(/events/);
    expect(typeof error?.stack).toBe('string');
    expect(error?.url).toMatch(CUT_SUFFIX);
    expect(String(error?.url).length).toBeLessThanOrEqual(300 + '…(99999 more)'.length);
  });

  it('C6: the stop is logged as JSON too', () => {
    const messages = lines.map((line) => line.msg);
    expect(messages).toContain('SIGTERM received, stopping');
    expect(messages).toContain('stopped');
  });
});
