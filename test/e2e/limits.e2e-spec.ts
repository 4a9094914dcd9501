import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  countRows,
  expectCorsHeaders,
  expectErrorEnvelope,
  expectNothingStored,
} from '../support/contract.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { type HttpResult, post, request, sessionIdFrom } from '../support/http.js';
import { storedEvents } from '../support/stored.js';
import { type TestApp, startTestApp, truncateAll, useTestApp } from '../support/test-app.js';

const SESSIONS = '/api/v1/sessions';
const SCHEMA = '/api/v1/schemas/play';
const RETRY_AFTER = /^[1-9]\d*$/;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fresh app (and so fresh token buckets) for every test: the buckets of one client address
 * must not carry over from one test to the next.
 */
function useAppPerTest(env: Record<string, string>): Pick<TestApp, 'baseUrl' | 'db'> {
  let app: TestApp | undefined;
  const current = (): TestApp => {
    if (!app) throw new Error('the test app is used outside a test');
    return app;
  };
  beforeEach(async () => {
    app = await startTestApp(env);
    await truncateAll(app.db);
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
  });
  return {
    get baseUrl() {
      return current().baseUrl;
    },
    get db() {
      return current().db;
    },
  };
}

/** `count` requests sent at once; their statuses in sending order. */
async function statusesOf(count: number, send: () => Promise<HttpResult>): Promise<number[]> {
  const results = await Promise.all(Array.from({ length: count }, send));
  return results.map((res) => res.status);
}

/** The C6 answer to a request over the limit: 429, the envelope, Retry-After and CORS. */
function expectLimited(res: HttpResult): number {
  const envelope = expectErrorEnvelope(res, 429);
  expect(envelope.message).toMatch(/^[A-Z][^\n]*\.$/);
  expect(envelope.errors).toBeUndefined();
  expectCorsHeaders(res.headers);
  const retryAfter = res.headers.get('retry-after') ?? '';
  expect(retryAfter).toMatch(RETRY_AFTER);
  return Number(retryAfter);
}

describe('C6: too many requests from one client address (token bucket)', () => {
  // One token a second: a test's quick requests all fall well inside one refill, however slow the
  // machine, so the counts below are exact.
  describe('RATE_LIMIT_PER_SECOND=1, RATE_LIMIT_BURST=10', () => {
    const sut = useAppPerTest({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '10' });

    const start = (headers: Record<string, string> = {}) =>
      post(sut.baseUrl, SESSIONS, aSessionStart(), { headers });

    it('C6: the 11th quick request from one address is 429 with Retry-After, the envelope and CORS', async () => {
      expect(await statusesOf(10, () => start())).toEqual(Array(10).fill(201));

      const res = await start({ 'x-request-id': 'limited-11' });
      const retryAfter = expectLimited(res);
      expect(retryAfter).toBe(1);
      expect(res.headers.get('x-request-id')).toBe('limited-11');
      expect(res.json()).toMatchObject({ statusCode: 429, requestId: 'limited-11' });
      // Ten sessions, each with its sessionStart: the refused one left nothing behind.
      expect(await countRows(sut.db, 'sessions')).toBe(10);
      expect(await countRows(sut.db, 'events')).toBe(10);
    });

    it('C6: without an X-Request-Id the 429 gets a generated one, the same in header and body', async () => {
      await statusesOf(10, () => request(sut.baseUrl, 'GET', SCHEMA));
      const res = await start();
      expectLimited(res);
      expect(res.json<{ requestId: string }>().requestId).toBe(res.headers.get('x-request-id'));
    });

    it('C6: a refused sessionStart creates no session and no event', async () => {
      expect(await statusesOf(10, () => request(sut.baseUrl, 'GET', SCHEMA))).toEqual(
        Array(10).fill(200),
      );
      expectLimited(await start());
      await expectNothingStored(sut.db);
    });

    it('C6: a refused event is not stored and does not touch its session', async () => {
      const started = await start();
      expect(started.status).toBe(201);
      const sid = sessionIdFrom(started);
      await statusesOf(9, () => request(sut.baseUrl, 'GET', SCHEMA));

      const res = await post(sut.baseUrl, `${SESSIONS}/${sid}/events`, anEvent('play'));
      expectLimited(res);
      expect((await storedEvents(sut.db, sid)).map((e) => e.event_type)).toEqual(['sessionStart']);
    });

    it('C6: the limit is checked before the body is read: an oversized or broken body is 429 too', async () => {
      await statusesOf(10, () => request(sut.baseUrl, 'GET', SCHEMA));
      const oversized = await post(
        sut.baseUrl,
        SESSIONS,
        aSessionStart({ body: { customMetadata: { a: 'x'.repeat(70_000) } } }),
      );
      expectLimited(oversized);
      expectLimited(await post(sut.baseUrl, SESSIONS, undefined, { raw: '{' }));
      expectLimited(
        await post(sut.baseUrl, SESSIONS, aSessionStart(), { contentType: 'text/xml' }),
      );
      await expectNothingStored(sut.db);
    });

    it('C6: every route but /health and /metrics counts: preflights, schemas and unknown routes too', async () => {
      const statuses = [
        (await request(sut.baseUrl, 'OPTIONS', SESSIONS)).status,
        (await request(sut.baseUrl, 'GET', SCHEMA)).status,
        (await request(sut.baseUrl, 'GET', '/no/such/route')).status,
        ...(await statusesOf(7, () => start())),
      ];
      expect(statuses).toEqual([204, 200, 404, ...Array<number>(7).fill(201)]);
      expectLimited(await request(sut.baseUrl, 'OPTIONS', SESSIONS));
      expectLimited(await request(sut.baseUrl, 'GET', '/no/such/route'));
    });

    it('C6: /health, /health/ready and /metrics are never limited', async () => {
      await statusesOf(10, () => start());
      expectLimited(await start());
      for (const path of ['/health', '/health/ready', '/metrics', '/health?probe=1']) {
        expect(await statusesOf(30, () => request(sut.baseUrl, 'GET', path)), path).toEqual(
          Array(30).fill(200),
        );
      }
    });

    it('C6: after waiting Retry-After seconds the address is served again, at the configured rate', async () => {
      await statusesOf(10, () => start());
      const retryAfter = expectLimited(await start());
      await sleep(retryAfter * 1_000);
      // One token a second: after that second one request is served, the next is refused.
      const statuses = await statusesOf(3, () => start());
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 429)).toHaveLength(2);
      expect(await countRows(sut.db, 'sessions')).toBe(11);
    });

    it('C6: with TRUST_PROXY unset X-Forwarded-For is ignored: one socket address, one bucket', async () => {
      const from = (address: string) => start({ 'x-forwarded-for': address });
      expect(await statusesOf(10, () => from('203.0.113.1'))).toEqual(Array(10).fill(201));
      expectLimited(await from('203.0.113.2'));
      expectLimited(await from('198.51.100.77'));
      expectLimited(await start());
    });
  });

  describe('TRUST_PROXY=false given explicitly', () => {
    const sut = useAppPerTest({
      RATE_LIMIT_PER_SECOND: '1',
      RATE_LIMIT_BURST: '10',
      TRUST_PROXY: 'false',
    });

    it('C6: X-Forwarded-For cannot give a client a fresh bucket', async () => {
      const statuses = await Promise.all(
        Array.from({ length: 11 }, (_, i) =>
          post(sut.baseUrl, SESSIONS, aSessionStart(), {
            headers: { 'x-forwarded-for': `192.0.2.${i + 1}` },
          }),
        ),
      );
      expect(statuses.filter((res) => res.status === 201)).toHaveLength(10);
      expect(statuses.filter((res) => res.status === 429)).toHaveLength(1);
      expect(await countRows(sut.db, 'sessions')).toBe(10);
    });
  });

  describe('TRUST_PROXY=true: the address is the forwarded one', () => {
    // One app for the block; each test uses addresses of its own, so buckets do not meet.
    const sut = useTestApp({
      RATE_LIMIT_PER_SECOND: '1',
      RATE_LIMIT_BURST: '10',
      TRUST_PROXY: 'true',
    });

    const from = (address: string) =>
      post(sut.baseUrl, SESSIONS, aSessionStart(), { headers: { 'x-forwarded-for': address } });

    it('C6: two forwarded addresses have separate buckets: one limited, the other still 201', async () => {
      expect(await statusesOf(10, () => from('198.51.100.1'))).toEqual(Array(10).fill(201));
      expectLimited(await from('198.51.100.1'));
      expect((await from('198.51.100.2')).status).toBe(201);
      expectLimited(await from('198.51.100.1'));
      expect(await countRows(sut.db, 'sessions')).toBe(11);
    });

    it("C6: the proxy's own address (no X-Forwarded-For) has a bucket apart from its clients'", async () => {
      expect(await statusesOf(10, () => from('198.51.100.3'))).toEqual(Array(10).fill(201));
      expectLimited(await from('198.51.100.3'));
      const direct = await post(sut.baseUrl, SESSIONS, aSessionStart());
      expect(direct.status).toBe(201);
    });

    it('C6: IPv6 forwarded addresses are limited like IPv4 ones', async () => {
      expect(await statusesOf(10, () => from('2001:db8::1'))).toEqual(Array(10).fill(201));
      expectLimited(await from('2001:db8::1'));
      expect((await from('2001:db8::2')).status).toBe(201);
    });
  });

  describe('RATE_LIMIT_PER_SECOND=0 turns the limit off', () => {
    const sut = useTestApp({ RATE_LIMIT_PER_SECOND: '0', RATE_LIMIT_BURST: '1' });

    it('C6: 600 quick requests from one address are all served', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 600; i += 50) {
        statuses.push(...(await statusesOf(50, () => request(sut.baseUrl, 'GET', SCHEMA))));
      }
      expect(statuses).toEqual(Array(600).fill(200));
      expect(await statusesOf(20, () => post(sut.baseUrl, SESSIONS, aSessionStart()))).toEqual(
        Array(20).fill(201),
      );
    });
  });

  describe('the defaults (200 a second, bursts of 400)', () => {
    const sut = useTestApp();

    it('C6: the default is generous: 300 quick requests from one address are all served', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 300; i += 100) {
        statuses.push(...(await statusesOf(100, () => request(sut.baseUrl, 'GET', SCHEMA))));
      }
      expect(statuses).toEqual(Array(300).fill(200));
    });
  });
});
