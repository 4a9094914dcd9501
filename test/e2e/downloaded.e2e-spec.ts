import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  countRows,
  errorPaths,
  expectCorsHeaders,
  expectErrorEnvelope,
  expectNothingStored,
  SESSION_LOCATION,
  sidOf,
} from '../support/contract.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { type HttpResult, post, sessionIdFrom } from '../support/http.js';
import { storedEvents, storedSession } from '../support/stored.js';
import { useTestApp } from '../support/test-app.js';

const DOWNLOADED = '/api/v1/downloaded';
const START_TS = 1_700_000_000_000;

/** An event of the given type `offset` seconds after the start. */
const at = (eventType: string, offset: number, playhead = offset) =>
  anEvent(eventType, { playerTime: { ts: START_TS + offset * 1000, playhead } });

/** One whole offline session: start, content, a mid-roll break with one ad, end. */
function aWholeSession(): Array<Record<string, unknown>> {
  return [
    aSessionStart({ playerTime: { ts: START_TS, playhead: 0 } }),
    at('play', 1, 0),
    at('ping', 11, 10),
    at('adBreakStart', 12, 10),
    anEvent('adStart', {
      playerTime: { ts: START_TS + 13_000, playhead: 10 },
      body: { customMetadata: { campaign: 'offline' } },
    }),
    at('ping', 23, 10),
    at('adComplete', 28, 10),
    at('adBreakComplete', 29, 10),
    at('play', 30, 10),
    anEvent('bitrateChange', {
      playerTime: { ts: START_TS + 40_000, playhead: 20 },
      body: { qoeData: { 'media.qoe.bitrate': 1_500_000 } },
    }),
    at('ping', 50, 30),
    at('sessionComplete', 60, 60),
    at('sessionEnd', 61, 60),
  ];
}

describe('C7: POST /api/v1/downloaded', () => {
  const sut = useTestApp();

  const upload = (body: unknown) => post(sut.baseUrl, DOWNLOADED, body);

  const sessionRow = (sid: string) => storedSession(sut.db, sid);

  const eventRows = (sid: string) => storedEvents(sut.db, sid);

  function expectCreated(res: HttpResult): string {
    expect(res.status, res.text).toBe(201);
    const sid = sidOf(res);
    expect(sid).toBeDefined();
    return sid!;
  }

  async function expectRefused(res: HttpResult, status = 400): Promise<string[]> {
    expectErrorEnvelope(res, status);
    expectCorsHeaders(res.headers);
    await expectNothingStored(sut.db);
    return errorPaths(res);
  }

  describe('success', () => {
    it('C7: a whole session gets 201 with a session Location, an empty body and CORS', async () => {
      const res = await upload(aWholeSession());
      expect(res.status, res.text).toBe(201);
      expect(res.text).toBe('');
      expect(res.headers.get('location')).toMatch(SESSION_LOCATION);
      expectCorsHeaders(res.headers);
    });

    it('C7: the session is stored closed at once, reason downloaded, media.downloaded true', async () => {
      const body = aWholeSession();
      const sid = expectCreated(await upload(body));
      const row = await sessionRow(sid);
      expect(row).toBeDefined();
      expect(row?.closed_at).toBeInstanceOf(Date);
      expect(row?.close_reason).toBe('downloaded');
      expect(row?.downloaded).toBe(true);
      expect(row?.media_id).toBe('MA API Sample Player');
      expect(row?.params).toEqual({
        ...(body[0].params as Record<string, unknown>),
        'media.downloaded': true,
      });
    });

    it('C7: a sessionStart without media.downloaded still gets it set', async () => {
      const body = aWholeSession();
      expect((body[0].params as Record<string, unknown>)['media.downloaded']).toBeUndefined();
      const sid = expectCreated(await upload(body));
      expect((await sessionRow(sid))?.params['media.downloaded']).toBe(true);
    });

    it('C7: a sessionStart with media.downloaded false is still reported as downloaded', async () => {
      const body = aWholeSession();
      body[0] = aSessionStart({
        playerTime: { ts: START_TS },
        params: { 'media.downloaded': false },
      });
      const sid = expectCreated(await upload(body));
      expect((await sessionRow(sid))?.params['media.downloaded']).toBe(true);
      expect((await sessionRow(sid))?.downloaded).toBe(true);
    });

    it('C7: the events are stored in array order as seq 1..n, each as sent', async () => {
      const body = aWholeSession();
      const sid = expectCreated(await upload(body));
      const rows = await eventRows(sid);
      expect(rows.map((r) => r.seq)).toEqual(body.map((_, i) => i + 1));
      expect(rows.map((r) => r.event_type)).toEqual(body.map((e) => e.eventType));
      expect(rows.map((r) => r.ts)).toEqual(
        body.map((e) => String((e.playerTime as { ts: number }).ts)),
      );
      expect(rows.map((r) => r.playhead)).toEqual(
        body.map((e) => (e.playerTime as { playhead: number }).playhead),
      );
      const adStart = rows.find((r) => r.event_type === 'adStart');
      expect(adStart?.params).toEqual(body[4].params);
      expect(adStart?.custom_metadata).toEqual({ campaign: 'offline' });
      expect(rows.find((r) => r.event_type === 'bitrateChange')?.qoe_data).toEqual({
        'media.qoe.bitrate': 1_500_000,
      });
      expect(rows[0]?.custom_metadata).toEqual(body[0].customMetadata);
      expect(rows[0]?.qoe_data).toEqual(body[0].qoeData);
    });

    it('C7: a session of only a sessionStart is accepted', async () => {
      const sid = expectCreated(await upload([aSessionStart()]));
      expect((await eventRows(sid)).map((r) => r.event_type)).toEqual(['sessionStart']);
      expect((await sessionRow(sid))?.close_reason).toBe('downloaded');
    });

    it('C7: events out of ts order are accepted and kept in array order', async () => {
      const body = [aSessionStart({ playerTime: { ts: START_TS } }), at('ping', 20), at('play', 5)];
      const sid = expectCreated(await upload(body));
      expect((await eventRows(sid)).map((r) => [r.seq, r.event_type])).toEqual([
        [1, 'sessionStart'],
        [2, 'ping'],
        [3, 'play'],
      ]);
    });

    it('C7: two uploads of the same session are two sessions', async () => {
      const first = expectCreated(await upload(aWholeSession()));
      const second = expectCreated(await upload(aWholeSession()));
      expect(first).not.toBe(second);
      expect(await countRows(sut.db, 'sessions')).toBe(2);
      expect(await countRows(sut.db, 'events')).toBe(2 * aWholeSession().length);
    });

    it('C7: a later event to the downloaded session is 410 and stores nothing', async () => {
      const body = aWholeSession();
      const sid = expectCreated(await upload(body));
      for (const event of [at('play', 100), at('ping', 101), at('sessionEnd', 102)]) {
        const res = await post(sut.baseUrl, `/api/v1/sessions/${sid}/events`, event);
        expectErrorEnvelope(res, 410);
      }
      expect(await countRows(sut.db, 'events')).toBe(body.length);
    });

    it('C7: a session without sessionEnd is still stored closed', async () => {
      const body = aWholeSession().slice(0, 5);
      const sid = expectCreated(await upload(body));
      expect((await sessionRow(sid))?.close_reason).toBe('downloaded');
      const res = await post(sut.baseUrl, `/api/v1/sessions/${sid}/events`, at('play', 100));
      expectErrorEnvelope(res, 410);
    });
  });

  describe('all or nothing', () => {
    it('C7: element 3 (an adStart without media.ad.id) is 400 at [3].params.media.ad.id', async () => {
      const body = [
        aSessionStart({ playerTime: { ts: START_TS } }),
        at('play', 1),
        at('adBreakStart', 2),
        anEvent('adStart', {
          playerTime: { ts: START_TS + 3000, playhead: 3 },
          params: { 'media.ad.id': undefined },
        }),
        at('adComplete', 4),
        at('sessionEnd', 5),
      ];
      expect(await expectRefused(await upload(body))).toEqual(['[3].params.media.ad.id']);
    });

    it('C7: every invalid element is named by its index', async () => {
      const body = aWholeSession();
      body[2] = anEvent('ping', { body: { params: [] } });
      body[9] = anEvent('stateStart', { params: { 'media.state.name': 'bad name' } });
      body[12] = anEvent('sessionEnd', { body: { customMetadata: { a: 'b' } } });
      expect((await expectRefused(await upload(body))).sort()).toEqual(
        ['[12].customMetadata', '[2].params', '[9].params.media.state.name'].sort(),
      );
    });

    it('C7: an invalid last element refuses the whole session', async () => {
      const body = aWholeSession();
      body.push(anEvent('pause'));
      expect(await expectRefused(await upload(body))).toEqual([`[${body.length - 1}].eventType`]);
    });

    it('C7: a bad statesUpdate item is named by index and item', async () => {
      const body = [
        aSessionStart(),
        anEvent('statesUpdate', { params: { statesStart: [{ 'media.state.name': 'a b' }] } }),
      ];
      expect(await expectRefused(await upload(body))).toEqual([
        '[1].params.statesStart[0].media.state.name',
      ]);
    });

    it('C3/C7: an error element without any error id is accepted; a malformed id is refused at its index', async () => {
      const bad = [aSessionStart(), anEvent('error', { params: { 'media.errorId': 42 } })];
      expect(await expectRefused(await upload(bad))).toEqual(['[1].params.media.errorId']);
      const body = [aSessionStart(), anEvent('error', { body: { params: {} } })];
      expect((await upload(body)).status).toBe(201);
    });

    it('C7: a first element that is not a sessionStart is 400 at [0]', async () => {
      const body = aWholeSession().slice(1);
      const paths = await expectRefused(await upload(body));
      expect(paths).toContain('[0].eventType');
      for (const path of paths) expect(path).toMatch(/^\[0\]/);
    });

    it('C7: an invalid sessionStart (no media.id) is 400 at [0].params.media.id', async () => {
      const body = aWholeSession();
      body[0] = aSessionStart({ params: { 'media.id': undefined } });
      expect(await expectRefused(await upload(body))).toEqual(['[0].params.media.id']);
    });

    it('C7: a sessionStart playhead beyond media.length is 400 at [0].playerTime.playhead', async () => {
      const body = aWholeSession();
      body[0] = aSessionStart({ playerTime: { playhead: 61 } });
      expect(await expectRefused(await upload(body))).toEqual(['[0].playerTime.playhead']);
    });

    it.each([1, 2, 12])('C7: a sessionStart at index %i is 400 at that index', async (index) => {
      const body = aWholeSession();
      body.splice(index, 0, aSessionStart({ playerTime: { ts: START_TS + 500 } }));
      expect(await expectRefused(await upload(body))).toEqual([`[${index}].eventType`]);
    });

    it('C7: an element with an unknown top-level member is 400 at its index', async () => {
      const body = aWholeSession();
      body[5] = { ...body[5], sid: 'x' };
      expect(await expectRefused(await upload(body))).toEqual(['[5].sid']);
    });

    it.each([
      ['a string', 'x'],
      ['a number', 5],
      ['null', null],
      ['an array', []],
    ])('C7: an element that is %s is 400 at its index', async (_kind, element) => {
      const body = [...aWholeSession().slice(0, 3), element];
      const paths = await expectRefused(await upload(body));
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path).toMatch(/^\[3\]/);
    });

    it.each([
      ['an object (a single sessionStart)', aSessionStart()],
      ['a string', 'sessionStart'],
      ['a number', 1],
      ['null', null],
    ])('C7: a body that is %s, not an array, is 400', async (_kind, body) => {
      await expectRefused(await upload(body));
    });

    it('C7: an empty array is 400', async () => {
      await expectRefused(await upload([]));
    });

    it('C7: a body that is not JSON is 400 and stores nothing', async () => {
      await expectRefused(await post(sut.baseUrl, DOWNLOADED, undefined, { raw: '[{"a":' }));
    });
  });

  describe('size', () => {
    /** A one-element batch of about `bytes` bytes (a sessionStart with a big custom value). */
    function bigStart(bytes: number): Record<string, unknown> {
      return aSessionStart({ body: { customMetadata: { big: 'x'.repeat(bytes) } } });
    }

    it('C7: a body over 64 KiB and under 4 MiB is accepted on /downloaded', async () => {
      const body = [bigStart(200 * 1024), at('play', 1), at('sessionEnd', 2)];
      expect(JSON.stringify(body).length).toBeGreaterThan(64 * 1024);
      const sid = expectCreated(await upload(body));
      const rows = await eventRows(sid);
      expect(rows).toHaveLength(3);
      expect(rows[0]?.custom_metadata?.big).toHaveLength(200 * 1024);
    });

    it('C1: the same size is 413 on /api/v1/sessions', async () => {
      const res = await post(sut.baseUrl, '/api/v1/sessions', bigStart(200 * 1024));
      await expectRefused(res, 413);
    });

    it('C7: a body just under 4 MiB is accepted', async () => {
      const body = [bigStart(4 * 1024 * 1024 - 2048)];
      expect(JSON.stringify(body).length).toBeLessThan(4 * 1024 * 1024);
      expectCreated(await upload(body));
    });

    it('C7: a body over 4 MiB is 413 and stores nothing', async () => {
      const body = [bigStart(4 * 1024 * 1024 + 10)];
      await expectRefused(await upload(body), 413);
    });
  });
});

describe('C2/C7: an offline session POSTed to /api/v1/sessions, as Adobe’s mobile SDKs do', () => {
  const sut = useTestApp();

  it('C2/C7: is stored exactly as on /api/v1/downloaded: 201 with Location, closed as downloaded, every event', async () => {
    const res = await post(sut.baseUrl, '/api/v1/sessions', aWholeSession());
    expect(res.status).toBe(201);
    expect(res.headers.get('location')).toMatch(SESSION_LOCATION);
    const sid = sessionIdFrom(res);
    expect(await storedSession(sut.db, sid)).toMatchObject({
      close_reason: 'downloaded',
      downloaded: true,
    });
    expect((await storedEvents(sut.db, sid)).map((e) => e.seq)).toEqual(
      aWholeSession().map((_, i) => i + 1),
    );
  });

  it('C1/C7: may be up to 4 MiB there, while a single sessionStart keeps the 64 KiB cap', async () => {
    const big = aSessionStart({ params: { 'player.padding': 'x'.repeat(200 * 1024) } });
    expect((await post(sut.baseUrl, '/api/v1/sessions', [big, at('play', 1)])).status).toBe(201);
    expectErrorEnvelope(await post(sut.baseUrl, '/api/v1/sessions', big), 413);
  });

  it('C1: an object over 64 KiB there is 413 from its first bytes, and clients that go away mid-body harm nothing', async () => {
    const { port } = new URL(sut.baseUrl);
    const piece = Buffer.alloc(65_536, 0x20);
    piece[0] = 0x7b; // '{': not an offline session's array
    for (let i = 0; i < 10; i += 1) {
      const status = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(
            Buffer.concat([
              Buffer.from(
                'POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
                  'Content-Length: 10000000\r\n\r\n',
              ),
              piece,
              piece,
            ]),
          ),
        );
        socket.once('data', (data: Buffer) => {
          resolve(data.toString().split(' ')[1] ?? '');
          socket.destroy();
        });
        socket.once('error', () => resolve('error'));
      });
      expect(status).toBe('413');
    }
    expect((await post(sut.baseUrl, '/api/v1/sessions', aWholeSession())).status).toBe(201);
  });

  it('C1: a number beyond what JSON can write back (1e400) is 400, online and offline, so no two such bodies can collide', async () => {
    const raw = (path: string, text: string) => post(sut.baseUrl, path, undefined, { raw: text });
    const ping = (x: string) =>
      `{"eventType":"ping","playerTime":{"playhead":1,"ts":1},"params":{"x":${x}}}`;
    const start = JSON.stringify(aSessionStart());
    expectErrorEnvelope(
      await raw('/api/v1/sessions', `[${start},${ping('1e400')},${ping('-1e400')}]`),
      400,
    );
    expectErrorEnvelope(await raw(DOWNLOADED, `[${start},${ping('[1e400]')}]`), 400);
    await expectNothingStored(sut.db);
    const sid = sessionIdFrom(await post(sut.baseUrl, '/api/v1/sessions', aSessionStart()));
    expectErrorEnvelope(await raw(`/api/v1/sessions/${sid}/events`, ping('1e400')), 400);
  });

  it('C7: an invalid element is 400 naming its index, and nothing is stored', async () => {
    const body = aWholeSession();
    body[3] = anEvent('adStart', { params: { 'media.ad.id': undefined } });
    const res = await post(sut.baseUrl, '/api/v1/sessions', body);
    expectErrorEnvelope(res, 400);
    expect(errorPaths(res)).toEqual(['[3].params.media.ad.id']);
    await expectNothingStored(sut.db);
  });

  it('C7: elements after the first sessionEnd are not stored', async () => {
    const body = [...aWholeSession(), at('play', 70, 60), at('sessionEnd', 71, 60)];
    const sid = sessionIdFrom(await post(sut.baseUrl, '/api/v1/sessions', body));
    const events = await storedEvents(sut.db, sid);
    expect(events).toHaveLength(aWholeSession().length);
    expect(events.at(-1)).toMatchObject({
      event_type: 'sessionEnd',
      ts: String(START_TS + 61_000),
    });
  });

  it('C3/C7: repeats are the same whole body: stored once and counted as retries; same type and ts with another body are kept', async () => {
    const mute = anEvent('stateStart', {
      playerTime: { ts: START_TS + 2000, playhead: 1 },
      params: { 'media.state.name': 'mute' },
    });
    const fullscreen = anEvent('stateStart', {
      playerTime: { ts: START_TS + 2000, playhead: 1 },
      params: { 'media.state.name': 'fullscreen' },
    });
    const body = [
      aSessionStart({ playerTime: { ts: START_TS, playhead: 0 } }),
      at('play', 1, 0),
      mute,
      fullscreen,
      { ...mute },
      { ...at('ping', 11, 10), params: {} },
      at('ping', 11, 10),
      at('sessionEnd', 12, 10),
    ];
    const sid = sessionIdFrom(await post(sut.baseUrl, '/api/v1/sessions', body));
    expect((await storedEvents(sut.db, sid)).map((e) => e.event_type)).toEqual([
      'sessionStart',
      'play',
      'stateStart',
      'stateStart',
      'ping',
      'sessionEnd',
    ]);
    const { rows } = await sut.db.query<{ retries: number }>(
      `SELECT retries FROM sessions WHERE id = decode($1, 'hex')`,
      [sid],
    );
    expect(rows[0]?.retries).toBe(2);
  });
});

describe('C7: POST /api/v1/downloaded with a small event cap', () => {
  const sut = useTestApp({ SESSION_MAX_EVENTS: '5' });

  it('C3/C7: a repeated event (the same whole body) in a batch is stored once, seq stays contiguous and it is not counted', async () => {
    const body = [
      aSessionStart({ playerTime: { ts: START_TS, playhead: 0 } }),
      at('play', 1, 0),
      at('ping', 11, 10),
      at('ping', 11, 10),
      at('ping', 21, 20),
      at('sessionEnd', 22, 20),
    ];
    const res = await post(sut.baseUrl, DOWNLOADED, body);
    expect(res.status).toBe(201);
    const sid = sessionIdFrom(res);
    const { rows } = await sut.db.query<{ seq: number; event_type: string }>(
      `SELECT seq, event_type FROM session_events WHERE session_id = decode($1, 'hex') ORDER BY seq`,
      [sid],
    );
    expect(rows.map((r) => [r.seq, r.event_type])).toEqual([
      [1, 'sessionStart'],
      [2, 'play'],
      [3, 'ping'],
      [4, 'ping'],
      [5, 'sessionEnd'],
    ]);
    const session = await sut.db.query<{ event_count: number }>(
      `SELECT event_count FROM sessions WHERE id = decode($1, 'hex')`,
      [sid],
    );
    expect(session.rows[0]?.event_count).toBe(5);
  });

  it('C3/C7: a sessionEnd does not count against the cap, as online', async () => {
    const body = [
      aSessionStart({ playerTime: { ts: START_TS, playhead: 0 } }),
      ...[1, 2, 3, 4].map((i) => at('ping', i * 10, i)),
      at('sessionEnd', 50, 4),
    ];
    const res = await post(sut.baseUrl, DOWNLOADED, body);
    expect(res.status).toBe(201);
    expect(await storedEvents(sut.db, sessionIdFrom(res))).toHaveLength(6);
  });

  it('C3/C7: a batch holding more events than SESSION_MAX_EVENTS is 429 and stores nothing', async () => {
    const body = [
      aSessionStart({ playerTime: { ts: START_TS, playhead: 0 } }),
      ...[1, 2, 3, 4, 5].map((i) => at('ping', i * 10, i)),
    ];
    const res = await post(sut.baseUrl, DOWNLOADED, body);
    expect(res.status).toBe(429);
    expect(res.json()).toMatchObject({ statusCode: 429 });
    const { rows } = await sut.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
    expect(rows[0]?.n).toBe(0);
  });
});
