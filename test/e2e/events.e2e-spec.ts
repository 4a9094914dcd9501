import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  countRows,
  errorPaths,
  expectCorsHeaders,
  expectErrorEnvelope,
} from '../support/contract.js';
import { CONTRACT_EVENT_TYPES, aSessionStart, anEvent } from '../support/factories.js';
import { type HttpResult, post, sessionIdFrom } from '../support/http.js';
import { storedEvents, storedSession } from '../support/stored.js';
import { useTestApp } from '../support/test-app.js';

const EVENT_TYPES = CONTRACT_EVENT_TYPES;

const START_TS = 1_700_000_000_000;

const eventsPath = (sid: string) => `/api/v1/sessions/${sid}/events`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Helpers bound to one running app. */
function sessionHelpers(sut: { readonly baseUrl: string; readonly db: pg.Pool }) {
  async function startSession(): Promise<string> {
    const res = await post(sut.baseUrl, '/api/v1/sessions', aSessionStart());
    expect(res.status, res.text).toBe(201);
    return sessionIdFrom(res);
  }

  const send = (sid: string, body: unknown): Promise<HttpResult> =>
    post(sut.baseUrl, eventsPath(sid), body);

  /** A valid event of the given type at START_TS + offset seconds. */
  const at = (eventType: string, offset: number, playhead = offset) =>
    anEvent(eventType, { playerTime: { ts: START_TS + offset * 1000, playhead } });

  const sessionRow = (sid: string) => storedSession(sut.db, sid);

  const eventRows = (sid: string) => storedEvents(sut.db, sid);

  function expect204(res: HttpResult): void {
    expect(res.status, res.text).toBe(204);
    expect(res.text).toBe('');
  }

  return { startSession, send, at, sessionRow, eventRows, expect204 };
}

describe('C3: POST /api/v1/sessions/{sid}/events', () => {
  const sut = useTestApp();
  const { startSession, send, at, sessionRow, eventRows, expect204 } = sessionHelpers(sut);

  describe('success', () => {
    it('C3: the contract lists 20 event types (contentComplete among them)', () => {
      expect(new Set(EVENT_TYPES).size).toBe(20);
    });

    it.each(EVENT_TYPES)(
      'C3: %s gets 204 with an empty body and the CORS headers, and is stored',
      async (eventType) => {
        const sid = await startSession();
        const res = await send(sid, at(eventType, 5));
        expect204(res);
        expectCorsHeaders(res.headers);
        const rows = await eventRows(sid);
        expect(rows.map((r) => r.event_type)).toEqual(['sessionStart', eventType]);
      },
    );

    it('C3: events get the arrival sequence 2, 3, 4… in arrival order, not ts order', async () => {
      const sid = await startSession();
      const sent = [at('play', 30), at('ping', 10), at('pauseStart', 20), at('play', 40)];
      for (const body of sent) expect204(await send(sid, body));
      const rows = await eventRows(sid);
      expect(rows.map((r) => [r.seq, r.event_type, r.ts])).toEqual([
        [1, 'sessionStart', '1509045324153'],
        [2, 'play', String(START_TS + 30_000)],
        [3, 'ping', String(START_TS + 10_000)],
        [4, 'pauseStart', String(START_TS + 20_000)],
        [5, 'play', String(START_TS + 40_000)],
      ]);
      expect((await sessionRow(sid))?.event_count).toBe(5);
    });

    it('C3: an event is stored with its arrival time and every member as sent', async () => {
      const sid = await startSession();
      const body = anEvent('adStart', {
        playerTime: { playhead: 12.75, ts: 1_700_000_123_456 },
        params: { 'media.ad.creativeId': 'c-9', 'player.custom': { nested: [1, 'two', null] } },
        body: {
          qoeData: { 'media.qoe.bitrate': 2_500_000.5, 'media.qoe.droppedFrames': 3, param1: 'x' },
          customMetadata: { campaign: 'spring', 'a.b_c': '' },
        },
      });
      const before = Date.now();
      expect204(await send(sid, body));
      const after = Date.now();
      const rows = await eventRows(sid);
      expect(rows).toHaveLength(2);
      const row = rows[1];
      expect(row).toMatchObject({
        seq: 2,
        event_type: 'adStart',
        ts: '1700000123456',
        playhead: 12.75,
        params: body.params,
        qoe_data: body.qoeData,
        custom_metadata: body.customMetadata,
      });
      expect(row.received_at).toBeInstanceOf(Date);
      expect(row.received_at.getTime()).toBeGreaterThanOrEqual(before - 1000);
      expect(row.received_at.getTime()).toBeLessThanOrEqual(after + 1000);
      expect(row.received_at.getTime()).toBeGreaterThanOrEqual(rows[0].received_at.getTime());
    });

    it('C3: members left out are stored as null (ping has no params)', async () => {
      const sid = await startSession();
      expect204(await send(sid, at('ping', 1)));
      const [, row] = await eventRows(sid);
      expect(row).toMatchObject({
        event_type: 'ping',
        params: null,
        qoe_data: null,
        custom_metadata: null,
      });
    });

    it('C3: an event moves the session clock, counter and playhead', async () => {
      const sid = await startSession();
      const before = await sessionRow(sid);
      await sleep(20);
      expect204(await send(sid, at('play', 1, 7.5)));
      const after = await sessionRow(sid);
      expect(after?.event_count).toBe(2);
      expect(after?.last_playhead).toBe(7.5);
      expect(after!.last_event_at.getTime()).toBeGreaterThan(before!.last_event_at.getTime());
      expect(after?.closed_at).toBeNull();
    });

    it('C3: an adStart outside any ad break is accepted and stored (order is not validated)', async () => {
      const sid = await startSession();
      expect204(await send(sid, at('adStart', 1)));
      expect204(await send(sid, at('adComplete', 2)));
      expect204(await send(sid, at('adBreakComplete', 3)));
      expect204(await send(sid, at('chapterComplete', 4)));
      expect204(await send(sid, at('stateEnd', 5)));
      expect((await eventRows(sid)).map((r) => r.event_type)).toEqual([
        'sessionStart',
        'adStart',
        'adComplete',
        'adBreakComplete',
        'chapterComplete',
        'stateEnd',
      ]);
    });

    it('C1: unknown params keys are stored with the event', async () => {
      const sid = await startSession();
      const params = { 'player.custom': 'x', 'a.number': -2.5 };
      expect204(await send(sid, anEvent('play', { params })));
      expect((await eventRows(sid))[1]?.params).toEqual(params);
    });

    it('C1: a text/plain body (navigator.sendBeacon) is accepted', async () => {
      const sid = await startSession();
      const res = await post(sut.baseUrl, eventsPath(sid), at('ping', 1), {
        contentType: 'text/plain;charset=UTF-8',
      });
      expect204(res);
      expect(await countRows(sut.db, 'events')).toBe(2);
    });
  });

  describe('retries', () => {
    it('C3: a retry (the same whole body) gets 204 and is stored once', async () => {
      const sid = await startSession();
      const body = at('adStart', 3);
      expect204(await send(sid, body));
      expect204(await send(sid, body));
      const rows = await eventRows(sid);
      expect(rows.map((r) => r.event_type)).toEqual(['sessionStart', 'adStart']);
      expect(rows[1]?.playhead).toBe(3);
      expect(await countRows(sut.db, 'events')).toBe(2);
    });

    it('C3: a retry is recognised by value: members in another order, 1.0 for 1, params {} for none', async () => {
      const sid = await startSession();
      const raw = (text: string) => post(sut.baseUrl, eventsPath(sid), undefined, { raw: text });
      const ts = START_TS + 3000;
      expect204(await send(sid, at('adStart', 3)));
      const adStart = at('adStart', 3) as { params: Record<string, unknown> };
      const reordered = Object.fromEntries(Object.entries(adStart.params).reverse());
      expect204(
        await raw(
          `{"params":${JSON.stringify(reordered)},"eventType":"adStart","playerTime":{"ts":${ts},"playhead":3.0}}`,
        ),
      );
      expect204(await send(sid, at('ping', 4)));
      expect204(
        await raw(`{"eventType":"ping","playerTime":{"playhead":4,"ts":${ts + 1000}},"params":{}}`),
      );
      expect((await eventRows(sid)).map((r) => r.event_type)).toEqual([
        'sessionStart',
        'adStart',
        'ping',
      ]);
    });

    it('C3: the same eventType and ts with another playhead or params is a second event', async () => {
      const sid = await startSession();
      const body = at('adStart', 3) as { playerTime: object; params: object };
      expect204(await send(sid, body));
      expect204(await send(sid, { ...body, playerTime: { playhead: 99, ts: START_TS + 3000 } }));
      expect204(await send(sid, { ...body, params: { ...body.params, 'media.ad.id': 'ad-2' } }));
      const mute = anEvent('stateStart', {
        playerTime: { playhead: 4, ts: START_TS + 4000 },
        params: { 'media.state.name': 'mute' },
      });
      const fullscreen = anEvent('stateStart', {
        playerTime: { playhead: 4, ts: START_TS + 4000 },
        params: { 'media.state.name': 'fullscreen' },
      });
      expect204(await send(sid, mute));
      expect204(await send(sid, fullscreen));
      const rows = await eventRows(sid);
      expect(rows.map((r) => r.event_type)).toEqual([
        'sessionStart',
        'adStart',
        'adStart',
        'adStart',
        'stateStart',
        'stateStart',
      ]);
      expect(rows.map((r) => r.playhead)).toEqual([0, 3, 99, 3, 4, 4]);
    });

    it('C3: the same ts with another eventType is a second event', async () => {
      const sid = await startSession();
      expect204(await send(sid, at('adBreakStart', 3)));
      expect204(await send(sid, at('adStart', 3)));
      expect204(await send(sid, at('play', 3)));
      const rows = await eventRows(sid);
      expect(rows.map((r) => r.event_type)).toEqual([
        'sessionStart',
        'adBreakStart',
        'adStart',
        'play',
      ]);
      expect(rows.slice(1).map((r) => r.ts)).toEqual(Array(3).fill(String(START_TS + 3000)));
    });

    it('C3: the same eventType and ts in two sessions are two events', async () => {
      const first = await startSession();
      const second = await startSession();
      expect204(await send(first, at('play', 1)));
      expect204(await send(second, at('play', 1)));
      expect((await eventRows(first)).map((r) => r.event_type)).toEqual(['sessionStart', 'play']);
      expect((await eventRows(second)).map((r) => r.event_type)).toEqual(['sessionStart', 'play']);
    });

    it('C3: 10 concurrent copies of one event all get 204 and are stored once', async () => {
      const sid = await startSession();
      const results = await Promise.all(Array.from({ length: 10 }, () => send(sid, at('play', 1))));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(204));
      const rows = await eventRows(sid);
      expect(rows.map((r) => r.event_type)).toEqual(['sessionStart', 'play']);
    });
  });

  describe('refusals', () => {
    /** Everything a refused request must leave alone. */
    async function snapshot(sid: string) {
      return { session: await sessionRow(sid), events: await eventRows(sid) };
    }

    const INVALID: Array<[string, Record<string, unknown>, string[]]> = [
      [
        'an adStart without media.ad.id',
        anEvent('adStart', { params: { 'media.ad.id': undefined } }),
        ['params.media.ad.id'],
      ],
      [
        'an adBreakStart with podIndex -1',
        anEvent('adBreakStart', { params: { 'media.ad.podIndex': -1 } }),
        ['params.media.ad.podIndex'],
      ],
      [
        'a chapterStart with a negative length',
        anEvent('chapterStart', { params: { 'media.chapter.length': -1 } }),
        ['params.media.chapter.length'],
      ],
      [
        'a stateStart with a name holding a space',
        anEvent('stateStart', { params: { 'media.state.name': 'full screen' } }),
        ['params.media.state.name'],
      ],
      [
        'a ping with params that are not an object',
        anEvent('ping', { body: { params: [] } }),
        ['params'],
      ],
      [
        'a statesUpdate with 101 states',
        anEvent('statesUpdate', {
          params: {
            statesStart: Array.from({ length: 101 }, (_, i) => ({ 'media.state.name': `s${i}` })),
          },
        }),
        ['params.statesStart'],
      ],
      [
        'a play with customMetadata',
        anEvent('play', { body: { customMetadata: { a: 'b' } } }),
        ['customMetadata'],
      ],
      [
        'a sessionEnd with customMetadata',
        anEvent('sessionEnd', { body: { customMetadata: { a: 'b' } } }),
        ['customMetadata'],
      ],
      [
        'a statesUpdate with a bad item',
        anEvent('statesUpdate', { params: { statesStart: [{ 'media.state.name': 'a b' }] } }),
        ['params.statesStart[0].media.state.name'],
      ],
      ['an unknown eventType', anEvent('pause'), ['eventType']],
      ['a sessionStart', aSessionStart(), ['eventType']],
      ['an unknown top-level member', anEvent('play', { body: { sid: 'x' } }), ['sid']],
      [
        'a play with a negative playhead',
        anEvent('play', { playerTime: { playhead: -1 } }),
        ['playerTime.playhead'],
      ],
    ];

    it.each(INVALID)('C3: %s gets 400 naming the field', async (_kind, body, paths) => {
      const sid = await startSession();
      const res = await send(sid, body);
      expectErrorEnvelope(res, 400);
      expectCorsHeaders(res.headers);
      expect(errorPaths(res)).toEqual(paths);
    });

    it('C3: a 400 never touches the session: count, clocks, playhead and events unchanged', async () => {
      const sid = await startSession();
      expect204(await send(sid, at('play', 1, 5)));
      const before = await snapshot(sid);
      for (const [kind, body] of INVALID) {
        await sleep(5);
        const moved = { ...body, playerTime: { playhead: 40, ts: START_TS + 9000 } };
        const res = await send(sid, kind.includes('playhead') ? body : moved);
        expect(res.status, kind).toBe(400);
      }
      const raw = await post(sut.baseUrl, eventsPath(sid), undefined, { raw: '{"eventType":' });
      expect(raw.status).toBe(400);
      const after = await snapshot(sid);
      expect(after).toEqual(before);
      expect(after.session?.closed_at).toBeNull();
      expect(after.session?.event_count).toBe(2);
      expect(after.events).toHaveLength(2);
    });

    it('C3: an invalid sessionEnd gets 400 and leaves the session open', async () => {
      const sid = await startSession();
      const res = await send(sid, anEvent('sessionEnd', { body: { customMetadata: { a: 'b' } } }));
      expectErrorEnvelope(res, 400);
      expect((await sessionRow(sid))?.closed_at).toBeNull();
      expect204(await send(sid, at('play', 1)));
    });

    it('C3: sessionStart on this route is 400 at eventType and stores nothing', async () => {
      const sid = await startSession();
      const res = await send(sid, aSessionStart({ playerTime: { ts: START_TS } }));
      expectErrorEnvelope(res, 400);
      expect(errorPaths(res)).toEqual(['eventType']);
      expect(await countRows(sut.db, 'sessions')).toBe(1);
      expect(await countRows(sut.db, 'events')).toBe(1);
    });

    it('C3: an unknown sid (64 lowercase hex) is 404 and stores nothing', async () => {
      await startSession();
      const res = await send('0'.repeat(64), at('play', 1));
      expectErrorEnvelope(res, 404);
      expectCorsHeaders(res.headers);
      expect(await countRows(sut.db, 'sessions')).toBe(1);
      expect(await countRows(sut.db, 'events')).toBe(1);
    });

    it.each([
      ['63 characters', (sid: string) => sid.slice(0, 63)],
      ['65 characters', (sid: string) => `${sid}0`],
      ['the sid and two non-hex characters', (sid: string) => `${sid}zz`],
      ['uppercase', (sid: string) => sid.toUpperCase()],
      ['one non-hex character', (sid: string) => `${sid.slice(0, 63)}g`],
      ['32 characters', (sid: string) => sid.slice(0, 32)],
      ['a word', () => 'abc'],
    ])('C3: a malformed sid (%s) is 404 and stores nothing', async (_kind, malform) => {
      const sid = await startSession();
      const res = await send(malform(sid), at('play', 1));
      expectErrorEnvelope(res, 404);
      expect(await countRows(sut.db, 'events')).toBe(1);
      expect((await sessionRow(sid))?.event_count).toBe(1);
    });
  });

  describe('sessionEnd (C3, C4)', () => {
    it('C3: sessionEnd gets 204 and closes the session with reason end', async () => {
      const sid = await startSession();
      expect204(await send(sid, at('play', 1)));
      expect204(await send(sid, at('sessionEnd', 2)));
      const row = await sessionRow(sid);
      expect(row?.closed_at).toBeInstanceOf(Date);
      expect(row?.close_reason).toBe('end');
      expect((await eventRows(sid)).map((r) => r.event_type)).toEqual([
        'sessionStart',
        'play',
        'sessionEnd',
      ]);
    });

    it.each(EVENT_TYPES)('C3: %s after sessionEnd is 410 and stores nothing', async (type) => {
      const sid = await startSession();
      expect204(await send(sid, at('sessionEnd', 2)));
      const before = await sessionRow(sid);
      const res = await send(sid, at(type, 3));
      expectErrorEnvelope(res, 410);
      expectCorsHeaders(res.headers);
      expect(await countRows(sut.db, 'events')).toBe(2);
      expect(await sessionRow(sid)).toEqual(before);
    });

    it('C3: sessionComplete does not close the session', async () => {
      const sid = await startSession();
      expect204(await send(sid, at('sessionComplete', 1)));
      expect((await sessionRow(sid))?.closed_at).toBeNull();
      expect204(await send(sid, at('play', 2)));
    });
  });

  describe('concurrency', () => {
    it('C3: 50 concurrent events of one session all get 204 and seq 2..51', async () => {
      const sid = await startSession();
      const bodies = Array.from({ length: 50 }, (_, i) => at('ping', i + 1));
      const results = await Promise.all(bodies.map((body) => send(sid, body)));
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(204));
      const rows = await eventRows(sid);
      expect(rows).toHaveLength(51);
      const seqs = rows.map((r) => r.seq);
      expect(new Set(seqs).size).toBe(51);
      expect(seqs).toEqual(Array.from({ length: 51 }, (_, i) => i + 1));
      expect(
        rows
          .slice(1)
          .map((r) => Number(r.ts))
          .sort(),
      ).toEqual(bodies.map((b) => (b.playerTime as { ts: number }).ts).sort());
      expect((await sessionRow(sid))?.event_count).toBe(51);
    });

    it('C3: concurrent events of 10 sessions each get their own sequence', async () => {
      const sids = await Promise.all(Array.from({ length: 10 }, () => startSession()));
      const sends = sids.flatMap((sid) =>
        Array.from({ length: 5 }, (_, i) => send(sid, at('ping', i + 1))),
      );
      const results = await Promise.all(sends);
      expect(results.map((r) => r.status)).toEqual(Array(50).fill(204));
      for (const sid of sids) {
        expect((await eventRows(sid)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
      }
    });
  });
});

describe('C3: the per-session event cap (SESSION_MAX_EVENTS=5)', () => {
  const sut = useTestApp({ SESSION_MAX_EVENTS: '5' });
  const { startSession, send, at, eventRows, sessionRow, expect204 } = sessionHelpers(sut);

  it('C3: the events beyond the cap get 429 with the envelope and are not stored', async () => {
    const sid = await startSession();
    for (let i = 1; i <= 4; i++) expect204(await send(sid, at('ping', i)));
    for (const type of ['ping', 'play', 'adBreakComplete']) {
      const res = await send(sid, at(type, 10));
      expectErrorEnvelope(res, 429);
      expectCorsHeaders(res.headers);
    }
    const rows = await eventRows(sid);
    expect(rows.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.map((r) => r.ts)).not.toContain(String(START_TS + 10_000));
    expect((await sessionRow(sid))?.closed_at).toBeNull();
  });

  it('C3: a sessionEnd is taken even at the cap, and closes the session', async () => {
    const sid = await startSession();
    for (let i = 1; i <= 4; i++) expect204(await send(sid, at('ping', i)));
    expectErrorEnvelope(await send(sid, at('ping', 9)), 429);
    expect204(await send(sid, at('sessionEnd', 10)));
    const rows = await eventRows(sid);
    expect(rows.map((r) => r.event_type)).toEqual([
      'sessionStart',
      'ping',
      'ping',
      'ping',
      'ping',
      'sessionEnd',
    ]);
    expect(await sessionRow(sid)).toMatchObject({ close_reason: 'end' });
    expectErrorEnvelope(await send(sid, at('ping', 11)), 410);
  });

  it('C3: the cap is per session (another session still takes events)', async () => {
    const full = await startSession();
    for (let i = 1; i <= 4; i++) expect204(await send(full, at('ping', i)));
    expectErrorEnvelope(await send(full, at('ping', 5)), 429);
    const other = await startSession();
    expect204(await send(other, at('ping', 1)));
  });

  it('C3: a retry of a stored event in a full session is still 204 and stored once', async () => {
    const sid = await startSession();
    for (let i = 1; i <= 4; i++) expect204(await send(sid, at('ping', i)));
    expect204(await send(sid, at('ping', 2)));
    expect(await countRows(sut.db, 'events')).toBe(5);
  });

  it('C3: a retry does not use up the cap (the session still takes 5 distinct events)', async () => {
    const sid = await startSession();
    expect204(await send(sid, at('ping', 1)));
    expect204(await send(sid, at('ping', 1)));
    expect204(await send(sid, at('ping', 2)));
    expect204(await send(sid, at('ping', 3)));
    expect204(await send(sid, at('ping', 4)));
    expect((await eventRows(sid)).map((r) => r.ts)).toHaveLength(5);
  });

  it('C3: 20 concurrent events into a fresh session: 4 stored, 16 get 429', async () => {
    const sid = await startSession();
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => send(sid, at('ping', i + 1))),
    );
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 204)).toHaveLength(4);
    expect(statuses.filter((s) => s === 429)).toHaveLength(16);
    expect((await eventRows(sid)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
  });
});
