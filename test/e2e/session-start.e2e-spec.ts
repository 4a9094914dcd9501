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
import { aSessionStart, without } from '../support/factories.js';
import { type HttpResult, post } from '../support/http.js';
import { storedEvents, storedSession } from '../support/stored.js';
import { useTestApp } from '../support/test-app.js';

const SESSIONS = '/api/v1/sessions';

const REQUIRED_PARAMS = [
  'analytics.trackingServer',
  'analytics.reportSuite',
  'visitor.marketingCloudOrgId',
  'media.id',
  'media.length',
  'media.contentType',
  'media.playerName',
  'media.channel',
] as const;

describe('C2: POST /api/v1/sessions', () => {
  const sut = useTestApp();

  const start = (body: unknown) => post(sut.baseUrl, SESSIONS, body);

  const sessionRow = (sid: string) => storedSession(sut.db, sid);

  const eventRows = (sid: string) => storedEvents(sut.db, sid);

  async function expectCreated(res: HttpResult): Promise<string> {
    expect(res.status, res.text).toBe(201);
    const sid = sidOf(res);
    expect(sid).toBeDefined();
    expect(await sessionRow(sid!)).toBeDefined();
    return sid!;
  }

  async function expectRefused(res: HttpResult, paths: string[]): Promise<void> {
    expectErrorEnvelope(res, 400);
    expect(errorPaths(res).sort()).toEqual([...paths].sort());
    await expectNothingStored(sut.db);
  }

  describe('success', () => {
    it('C2: the seed body gets 201 with an empty body, Content-Length 0 and a session Location', async () => {
      const res = await start(aSessionStart());
      expect(res.status).toBe(201);
      expect(res.text).toBe('');
      expect(res.headers.get('content-length')).toBe('0');
      expect(res.headers.get('location')).toMatch(SESSION_LOCATION);
      expectCorsHeaders(res.headers);
    });

    it('C2: 50 sessions get 50 distinct 64-hex ids, each one a stored session', async () => {
      const results = await Promise.all(Array.from({ length: 50 }, () => start(aSessionStart())));
      const ids = results.map((res) => {
        expect(res.status).toBe(201);
        return sidOf(res);
      });
      expect(ids.every((id) => id !== undefined && /^[0-9a-f]{64}$/.test(id))).toBe(true);
      expect(new Set(ids).size).toBe(50);
      const { rows } = await sut.db.query<{ id: string }>(
        `SELECT encode(id, 'hex') AS id FROM sessions`,
      );
      expect(rows.map((r) => r.id).sort()).toEqual([...ids].sort());
    });

    it('C2: the id is not derived from the body (the same body twice gets two ids)', async () => {
      const body = aSessionStart();
      const first = sidOf(await start(body));
      const second = sidOf(await start(body));
      expect(first).toBeDefined();
      expect(second).toBeDefined();
      expect(first).not.toBe(second);
    });

    it('C2: the session row and its sessionStart event are stored when the 201 arrives', async () => {
      const body = aSessionStart({
        playerTime: { playhead: 12.5, ts: 1_700_000_000_123 },
        params: { 'media.streamType': 'video', 'media.resume': true },
        body: {
          qoeData: { 'media.qoe.bitrate': 2_000_000, 'media.qoe.timeToStart': 1200, param1: 'x' },
          customMetadata: { show_id: '42', 'a.b': 'c' },
        },
      });
      const before = Date.now();
      const sid = await expectCreated(await start(body));

      const session = await sessionRow(sid);
      expect(session).toMatchObject({
        id: sid,
        report_suite: '<your-aa-rsid>',
        media_id: 'MA API Sample Player',
        content_type: 'VOD',
        media_length: 60.39333333333333,
        params: body.params,
        downloaded: false,
        closed_at: null,
        close_reason: null,
        last_playhead: 12.5,
        event_count: 1,
      });
      expect(session!.created_at.getTime()).toBeGreaterThan(before - 60_000);

      const events = await eventRows(sid);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        seq: 1,
        event_type: 'sessionStart',
        ts: '1700000000123',
        playhead: 12.5,
        params: body.params,
        qoe_data: body.qoeData,
        custom_metadata: body.customMetadata,
      });
      expect(events[0].received_at).toBeInstanceOf(Date);
    });

    it('C2: without qoeData and customMetadata the event stores NULL for both', async () => {
      const sid = await expectCreated(
        await start(without(without(aSessionStart(), 'qoeData'), 'customMetadata')),
      );
      const [event] = await eventRows(sid);
      expect(event?.qoe_data).toBeNull();
      expect(event?.custom_metadata).toBeNull();
    });

    it('C2: unknown params keys are stored in params as sent', async () => {
      const extra = {
        'player.build': '2024.1',
        'a.number': 7.25,
        'a.flag': false,
        'a.null': null,
        'an.object': { nested: [1, 'two', { three: true }] },
      };
      const sid = await expectCreated(await start(aSessionStart({ params: extra })));
      const session = await sessionRow(sid);
      expect(session?.params).toMatchObject(extra);
      expect(session?.params['a.null']).toBeNull();
    });

    it('C2: params are stored exactly as sent, visitor.customerIDs included', async () => {
      const body = aSessionStart({
        params: {
          'visitor.customerIDs': {
            email: { id: 'viewer@example.com', authState: 1 },
            crm: { id: '7', authState: 0 },
          },
          'visitor.aamLocationHint': 9,
        },
      });
      const sid = await expectCreated(await start(body));
      expect((await sessionRow(sid))?.params).toEqual(body.params);
      expect((await eventRows(sid))[0]?.params).toEqual(body.params);
    });

    it('C2: media.name is optional', async () => {
      await expectCreated(await start(without(aSessionStart(), 'params', 'media.name')));
    });

    it.each(['audio', 'video'])('C2: media.streamType %s is accepted', async (streamType) => {
      await expectCreated(
        await start(aSessionStart({ params: { 'media.streamType': streamType } })),
      );
    });
  });

  describe('required params', () => {
    it.each(REQUIRED_PARAMS)('C2: params.%s missing is 400 naming it', async (key) => {
      await expectRefused(await start(without(aSessionStart(), 'params', key)), [`params.${key}`]);
    });

    it.each(REQUIRED_PARAMS)('C2: params.%s empty is 400 naming it', async (key) => {
      await expectRefused(await start(aSessionStart({ params: { [key]: '' } })), [`params.${key}`]);
    });

    it.each(REQUIRED_PARAMS.filter((key) => key !== 'media.length'))(
      'C2: params.%s as a number is 400 naming it',
      async (key) => {
        await expectRefused(await start(aSessionStart({ params: { [key]: 1 } })), [
          `params.${key}`,
        ]);
      },
    );

    it.each([
      ['negative', -10],
      ['a string', '60'],
    ])('C2: media.length %s is 400', async (_kind, length) => {
      // Live content, so the playhead range (which depends on media.length) stays out of it.
      const body = aSessionStart({
        params: { 'media.length': length, 'media.contentType': 'live' },
      });
      await expectRefused(await start(body), ['params.media.length']);
    });

    it.each(['live', 'vod'])(
      'C2: media.length 0 (unknown, as Adobe’s JS SDK sends for live) is accepted for %s content, any playhead >= 0',
      async (contentType) => {
        const body = aSessionStart({
          params: { 'media.length': 0, 'media.contentType': contentType },
          playerTime: { playhead: 25_070 },
        });
        expect((await start(body)).status).toBe(201);
      },
    );

    it('C2: params missing is 400', async () => {
      await expectRefused(await start(without(aSessionStart(), 'params')), ['params']);
    });

    it.each(['tv', 'Audio ', ''])('C2: media.streamType %j is 400', async (streamType) => {
      await expectRefused(
        await start(aSessionStart({ params: { 'media.streamType': streamType } })),
        ['params.media.streamType'],
      );
    });
  });

  describe('eventType', () => {
    it.each(['play', 'sessionEnd', 'sessionstart', 'ping'])(
      'C2: eventType %s is 400 on this route',
      async (eventType) => {
        await expectRefused(await start(aSessionStart({ body: { eventType } })), ['eventType']);
      },
    );
  });

  describe('playhead range', () => {
    const live = (contentType: string, playhead: number) =>
      aSessionStart({ params: { 'media.contentType': contentType }, playerTime: { playhead } });

    it.each(['live', 'LIVE', 'Linear'])(
      'C2: %s content with playhead 86399 is 201',
      async (type) => {
        await expectCreated(await start(live(type, 86_399)));
      },
    );

    it.each(['live', 'LIVE', 'Linear'])(
      'C2: %s content with playhead 86400 is 400',
      async (type) => {
        await expectRefused(await start(live(type, 86_400)), ['playerTime.playhead']);
      },
    );

    it('C2: on-demand content with playhead == media.length is 201', async () => {
      await expectCreated(
        await start(aSessionStart({ playerTime: { playhead: 60.39333333333333 } })),
      );
    });

    it('C2: on-demand content with playhead beyond media.length is 400', async () => {
      await expectRefused(await start(aSessionStart({ playerTime: { playhead: 61 } })), [
        'playerTime.playhead',
      ]);
    });

    it('C2: a negative playhead is 400', async () => {
      await expectRefused(await start(aSessionStart({ playerTime: { playhead: -1 } })), [
        'playerTime.playhead',
      ]);
    });
  });

  it('C2: a refused body leaves earlier sessions untouched', async () => {
    const sid = await expectCreated(await start(aSessionStart()));
    const res = await start(aSessionStart({ body: { eventType: 'play' } }));
    expect(res.status).toBe(400);
    expect(await countRows(sut.db, 'sessions')).toBe(1);
    expect(await countRows(sut.db, 'events')).toBe(1);
    expect(await sessionRow(sid)).toBeDefined();
  });
});
