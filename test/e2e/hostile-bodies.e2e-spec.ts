import { describe, expect, it } from 'vitest';
import {
  countRows,
  errorPaths,
  expectCorsHeaders,
  expectErrorEnvelope,
  expectNothingStored,
} from '../support/contract.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { type HttpResult, post, sessionIdFrom } from '../support/http.js';
import { useTestApp } from '../support/test-app.js';

/** The 4 MB body: 1.39 M empty objects in one array. */
const EMPTY_OBJECTS = `[${Array.from({ length: 1_390_000 }, () => '{}').join(',')}]`;

const timed = async (send: () => Promise<HttpResult>) => {
  const started = performance.now();
  const res = await send();
  return { res, ms: performance.now() - started };
};

describe('C1/C6/C7: bodies built to make validation expensive', () => {
  const sut = useTestApp();

  it.each(['/api/v1/downloaded', '/api/v1/sessions'])(
    'C1/C7: a 4 MB array of 1.39 M `{}` on %s is 400 at once with one small error, and nothing is stored',
    async (path) => {
      expect(EMPTY_OBJECTS.length).toBeLessThan(4 << 20);
      const { res, ms } = await timed(() =>
        post(sut.baseUrl, path, undefined, { raw: EMPTY_OBJECTS }),
      );
      const envelope = expectErrorEnvelope(res, 400);
      expectCorsHeaders(res.headers);
      expect(envelope.errors).toEqual([
        { path: '$', message: 'must hold at most 100001 elements' },
      ]);
      expect(Buffer.byteLength(res.text)).toBeLessThan(20_000);
      // Before: 14-19 s with the event loop blocked and a 152 MB answer.
      expect(ms).toBeLessThan(5_000);
      await expectNothingStored(sut.db);
    },
  );

  it('C6: an offline array of 10,000 `{}` (under the cap) names the first 100 errors and says more are invalid', async () => {
    const body = [aSessionStart(), ...Array.from({ length: 10_000 }, () => ({}))];
    const { res, ms } = await timed(() => post(sut.baseUrl, '/api/v1/downloaded', body));
    const envelope = expectErrorEnvelope(res, 400);
    expect(envelope.message).toBe(
      'The request is invalid: more than 100 fields are invalid, and the first 100 are listed.',
    );
    expect(errorPaths(res)).toEqual(
      Array.from({ length: 50 }, (_, i) => [
        `[${i + 1}].eventType`,
        `[${i + 1}].playerTime`,
      ]).flat(),
    );
    expect(Buffer.byteLength(res.text)).toBeLessThan(20_000);
    expect(ms).toBeLessThan(5_000);
    await expectNothingStored(sut.db);
  });

  it('C1/C3: a statesUpdate with 21,000 `{}` is 400 with one error naming the list, and the session is untouched', async () => {
    const sid = sessionIdFrom(await post(sut.baseUrl, '/api/v1/sessions', aSessionStart()));
    const body = anEvent('statesUpdate', {
      params: { statesStart: Array.from({ length: 21_000 }, () => ({})), statesEnd: undefined },
    });
    const res = await post(sut.baseUrl, `/api/v1/sessions/${sid}/events`, body);
    const envelope = expectErrorEnvelope(res, 400);
    expect(envelope.errors).toEqual([
      { path: 'params.statesStart', message: 'must hold at most 100 items' },
    ]);
    expect(Buffer.byteLength(res.text)).toBeLessThan(1_000);
    expect(await countRows(sut.db, 'events')).toBe(1);
  });

  it('C6: a 60 KB member name is not echoed: the answer stays small', async () => {
    const name = 'x'.repeat(60_000);
    const res = await post(sut.baseUrl, '/api/v1/sessions', { ...aSessionStart(), [name]: 1 });
    const envelope = expectErrorEnvelope(res, 400);
    expect(envelope.errors).toEqual([
      { path: `${'x'.repeat(127)}…`, message: 'is not an allowed member here' },
    ]);
    expect(Buffer.byteLength(res.text)).toBeLessThan(1_000);
  });
});

describe('C1/C7: the offline cap follows SESSION_MAX_EVENTS', () => {
  const sut = useTestApp({ SESSION_MAX_EVENTS: '3' });
  const START_TS = 1_700_000_000_000;
  const session = (events: number) => [
    aSessionStart({ playerTime: { ts: START_TS } }),
    ...Array.from({ length: events }, (_, i) =>
      anEvent('ping', { playerTime: { ts: START_TS + (i + 1) * 1000, playhead: i + 1 } }),
    ),
    anEvent('sessionEnd', { playerTime: { ts: START_TS + 10_000, playhead: 9 } }),
  ];

  it.each(['/api/v1/downloaded', '/api/v1/sessions'])(
    'C1/C7: on %s, 4 elements are a session; 5 are one 400 naming the array',
    async (path) => {
      expect((await post(sut.baseUrl, path, session(2))).status).toBe(201);
      const res = await post(sut.baseUrl, path, session(3));
      const envelope = expectErrorEnvelope(res, 400);
      expect(envelope.errors).toEqual([{ path: '$', message: 'must hold at most 4 elements' }]);
      expect(await countRows(sut.db, 'sessions')).toBe(1);
    },
  );
});
