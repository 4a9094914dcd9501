import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { EDGE_ANSWER_SCHEMA, EDGE_PROBLEM_SCHEMA } from '../../src/edge/xdm-schema.js';
import { expectCorsHeaders } from '../support/contract.js';
import {
  CONFIG_ID,
  T0,
  anEdgeSessionStart,
  edgeBody,
  edgeClient,
  handlesOf,
  newSessionId,
  problemNames,
  sessionDetails,
  type EdgeProblemBody,
} from '../support/edge.js';
import { aSessionStart } from '../support/factories.js';
import { type HttpResult, post, request } from '../support/http.js';
import { storedEvents, storedSession } from '../support/stored.js';
import { useTestApp } from '../support/test-app.js';

const ORG_ID = '1234567890ABCDEF12345678@AdobeOrg';
const IDENTITY_COOKIE = 'kndctr_1234567890ABCDEF12345678_AdobeOrg_identity';
const MC = '$.events[0].xdm.mediaCollection';

const ajv = new Ajv({ strict: false });
const isProblem = ajv.compile(EDGE_PROBLEM_SCHEMA);
const isAnswer = ajv.compile(EDGE_ANSWER_SCHEMA);

function expectProblem(res: HttpResult, status: number): EdgeProblemBody {
  expect(res.status, res.text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = res.json<EdgeProblemBody>();
  expect(isProblem(body), ajv.errorsText(isProblem.errors)).toBe(true);
  expect(Object.keys(body).sort()).toEqual(['detail', 'report', 'status', 'title', 'type']);
  expect(body.type).toBe(`https://ns.adobe.com/aep/errors/va-edge-0${status}-${status}`);
  expect(body.status).toBe(status);
  expect(body.detail.length).toBeGreaterThan(0);
  return body;
}

async function originOf(sut: { db: import('pg').Pool }, sid: string) {
  const { rows } = await sut.db.query<{ wire_format: string; config_id: string | null }>(
    `SELECT p.wire_format, p.config_id FROM sessions s JOIN session_params p ON p.session_key = s.key
      WHERE s.id = decode($1, 'hex')`,
    [sid],
  );
  return rows[0];
}

describe('C10: the Media Edge API on the same engine', () => {
  const sut = useTestApp({ EDGE_ORG_ID: ORG_ID, RATE_LIMIT_PER_SECOND: '0' });
  const edge = edgeClient(() => sut.baseUrl);

  describe('sessionStart', () => {
    it('C10: 200 with the new-session handle; stored as an Edge session with its configId and the XDM mapped onto MCA params', async () => {
      const res = await edge.va(
        'sessionStart',
        anEdgeSessionStart({
          sessionDetails: sessionDetails({
            show: 'Show',
            assetID: 'a-1',
            authorized: 'true',
            hasResume: false,
          }),
          customMetadata: [{ name: '_tenant.genre', value: 'drama' }],
          qoeDataDetails: { bitrate: 3200, timeToStart: 2, framesPerSecond: 29.97 },
        }),
        { requestId: 'req-start-1' },
      );
      expect(res.status, res.text).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      const body = res.json<{ requestId: string; handle: unknown[] }>();
      expect(isAnswer(body), ajv.errorsText(isAnswer.errors)).toBe(true);
      expect(body.requestId).toBe('req-start-1');
      const sid = newSessionId(res);
      expect(sid).toMatch(/^[0-9a-f]{64}$/);
      expect(handlesOf(res)).toEqual([
        { type: 'media-analytics:new-session', payload: [{ sessionId: sid }], eventIndex: 0 },
      ]);
      const session = await storedSession(sut.db, sid);
      expect(session?.media_id).toBe('movie-42');
      expect(session?.content_type).toBe('VOD');
      expect(session?.media_length).toBe(60);
      expect(session?.report_suite).toBe('');
      expect(session?.params).toEqual({
        'media.id': 'movie-42',
        'media.name': 'The Movie',
        'media.length': 60,
        'media.contentType': 'VOD',
        'media.playerName': 'html5-player',
        'media.channel': 'web',
        'media.show': 'Show',
        'media.assetId': 'a-1',
        'media.pass.auth': 'true',
        'media.resume': false,
      });
      expect(await originOf(sut, sid)).toEqual({ wire_format: 'edge', config_id: CONFIG_ID });
      const [start] = await storedEvents(sut.db, sid);
      expect(start.event_type).toBe('sessionStart');
      expect(Number(start.ts)).toBe(T0);
      expect(start.custom_metadata).toEqual({ '_tenant.genre': 'drama' });
      // kbps → bps, s → ms: every report reads one unit (C10).
      expect(start.qoe_data).toEqual({
        'media.qoe.bitrate': 3_200_000,
        'media.qoe.timeToStart': 2000,
        'media.qoe.framesPerSecond': 29.97,
      });
    });

    it('C10: a repeated requestId is a retry: the same session, stored once', async () => {
      const body = anEdgeSessionStart();
      const [a, b] = await Promise.all([
        edge.va('sessionStart', body, { requestId: 'retry-1' }),
        edge.va('sessionStart', body, { requestId: 'retry-1' }),
      ]);
      const c = await edge.va('sessionStart', body, { requestId: 'retry-1' });
      expect(newSessionId(a)).toBe(newSessionId(b));
      expect(newSessionId(c)).toBe(newSessionId(a));
      const { rows } = await sut.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
      expect(rows[0].n).toBe(1);
      const other = await edge.va('sessionStart', body, { requestId: 'retry-2' });
      expect(newSessionId(other)).not.toBe(newSessionId(a));
    });

    it('C10: configId is required on sessionStart (400 naming it), and only there', async () => {
      const res = await post(sut.baseUrl, '/ee/va/v1/sessionStart', anEdgeSessionStart());
      expectProblem(res, 400);
      expect(problemNames(res)).toEqual(['configId']);
      const sid = await edge.start();
      const ping = await post(
        sut.baseUrl,
        '/ee/va/v1/ping',
        edgeBody('ping', { sessionID: sid, playhead: 10 }, T0 + 10_000),
      );
      expect(ping.status, ping.text).toBe(204);
    });

    it("C10: Adobe's required sessionDetails are required, by their XDM paths; analytics.* and visitor.* are not", async () => {
      const details = sessionDetails();
      delete details.name;
      delete details.channel;
      const res = await edge.va(
        'sessionStart',
        anEdgeSessionStart({ sessionDetails: { ...details, length: 'long' } }),
      );
      const problem = expectProblem(res, 400);
      expect(problem.title).toBe('Bad Request');
      expect(problemNames(res).sort()).toEqual([
        `${MC}.sessionDetails.channel`,
        `${MC}.sessionDetails.length`,
        `${MC}.sessionDetails.name`,
      ]);
      const { rows } = await sut.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
      expect(rows[0].n).toBe(0);
    });

    it('C10: what only the XDM can be wrong about: the events array, eventType, timestamp, an integer playhead', async () => {
      const cases: Array<[unknown, string[]]> = [
        [{}, ['$.events']],
        [{ events: [] }, ['$.events']],
        [{ events: [{}] }, ['$.events[0].xdm']],
        [
          {
            events: [
              {
                xdm: {
                  eventType: 'media.ping',
                  timestamp: '2026-12-01T10:00:00Z',
                  mediaCollection: {},
                },
              },
            ],
          },
          ['$.events[0].xdm.eventType'],
        ],
        [
          edgeBody('sessionStart', { playhead: 0, sessionDetails: sessionDetails() }, T0, {
            timestamp: 'yesterday',
          }),
          ['$.events[0].xdm.timestamp'],
        ],
        [
          edgeBody('sessionStart', { playhead: 0, sessionDetails: sessionDetails() }, T0, {
            timestamp: undefined,
          }),
          ['$.events[0].xdm.timestamp'],
        ],
        [
          edgeBody('sessionStart', { playhead: 1.5, sessionDetails: sessionDetails() }),
          [`${MC}.playhead`],
        ],
        [edgeBody('sessionStart', { sessionDetails: sessionDetails() }), [`${MC}.playhead`]],
        [edgeBody('sessionStart', { playhead: 0 }), [`${MC}.sessionDetails`]],
        [edgeBody('sessionStart', { playhead: 0, sessionDetails: [] }), [`${MC}.sessionDetails`]],
      ];
      for (const [body, names] of cases) {
        const res = await edge.va('sessionStart', body);
        expectProblem(res, 400);
        expect(problemNames(res), JSON.stringify(body)).toEqual(names);
      }
    });

    it('C10: the location-hint segment is accepted and ignored', async () => {
      const res = await post(
        sut.baseUrl,
        `/ee/or2/va/v1/sessionStart?configId=${CONFIG_ID}`,
        anEdgeSessionStart(),
        { contentType: 'application/json' },
      );
      expect(res.status, res.text).toBe(200);
      const sid = newSessionId(res);
      const ping = await post(
        sut.baseUrl,
        `/ee/or2/va/v1/ping?configId=${CONFIG_ID}`,
        edgeBody('ping', { sessionID: sid, playhead: 10 }, T0 + 10_000),
      );
      expect(ping.status, ping.text).toBe(204);
      expect((await storedEvents(sut.db, sid)).map((e) => e.event_type)).toEqual([
        'sessionStart',
        'ping',
      ]);
    });
  });

  describe('events', () => {
    it('C10: each va path stores the MCA event it stands for, the details mapped onto its params', async () => {
      const sid = await edge.start();
      const steps: Array<[string, Record<string, unknown>]> = [
        ['play', {}],
        ['ping', {}],
        ['adBreakStart', { advertisingPodDetails: { index: 1, offset: 10, friendlyName: 'mid' } }],
        [
          'adStart',
          {
            advertisingDetails: {
              name: 'ad-7',
              friendlyName: 'Ad Seven',
              length: 15,
              podPosition: 1,
              playerName: 'ads',
              advertiser: 'ACME',
              campaignID: 'c',
              creativeID: 'cr',
              creativeURL: 'https://a.test/x',
              placementID: 'p',
              siteID: 's',
            },
          },
        ],
        ['adComplete', {}],
        ['adSkip', {}],
        ['adBreakComplete', {}],
        [
          'chapterStart',
          {
            chapterDetails: { index: 2, offset: 20, length: 30, friendlyName: 'Two' },
            customMetadata: [{ name: 'k', value: 'v' }],
          },
        ],
        ['chapterSkip', {}],
        ['chapterComplete', {}],
        ['pauseStart', {}],
        ['bufferStart', {}],
        ['bitrateChange', { qoeDataDetails: { bitrate: 2500, droppedFrames: 1 } }],
        ['error', { errorDetails: { name: 'E-1', source: 'player' } }],
        ['statesUpdate', { statesStart: [{ name: 'fullScreen' }], statesEnd: [{ name: 'mute' }] }],
        ['sessionComplete', {}],
        ['sessionEnd', {}],
      ];
      for (const [i, [name, mc]] of steps.entries()) {
        await edge.send(sid, name, { playhead: 10 + i, ...mc }, T0 + (i + 1) * 1000);
      }
      const events = await storedEvents(sut.db, sid);
      expect(events.map((e) => e.event_type)).toEqual(['sessionStart', ...steps.map(([n]) => n)]);
      const byType = Object.fromEntries(events.map((e) => [e.event_type, e]));
      expect(byType.adBreakStart.params).toEqual({
        'media.ad.podIndex': 1,
        'media.ad.podSecond': 10,
        'media.ad.podFriendlyName': 'mid',
      });
      expect(byType.adStart.params).toEqual({
        'media.ad.id': 'ad-7',
        'media.ad.name': 'Ad Seven',
        'media.ad.length': 15,
        'media.ad.podPosition': 1,
        'media.ad.playerName': 'ads',
        'media.ad.advertiser': 'ACME',
        'media.ad.campaignId': 'c',
        'media.ad.creativeId': 'cr',
        'media.ad.creativeURL': 'https://a.test/x',
        'media.ad.placementId': 'p',
        'media.ad.siteId': 's',
      });
      expect(byType.chapterStart.params).toEqual({
        'media.chapter.index': 2,
        'media.chapter.offset': 20,
        'media.chapter.length': 30,
        'media.chapter.friendlyName': 'Two',
      });
      expect(byType.chapterStart.custom_metadata).toEqual({ k: 'v' });
      expect(byType.bitrateChange.qoe_data).toEqual({
        'media.qoe.bitrate': 2_500_000,
        'media.qoe.droppedFrames': 1,
      });
      expect(byType.error.params).toEqual({
        'media.errorId': 'E-1',
        'media.errorSource': 'player',
      });
      expect(byType.statesUpdate.params).toEqual({
        statesStart: [{ 'media.state.name': 'fullScreen' }],
        statesEnd: [{ 'media.state.name': 'mute' }],
      });
      expect(byType.ping.playhead).toBe(11);
      expect(Number(byType.ping.ts)).toBe(T0 + 2000);
      const session = await storedSession(sut.db, sid);
      expect(session?.close_reason).toBe('end');
      // Closed: 410, as on the MCA.
      const late = await edge.va(
        'ping',
        edgeBody('ping', { sessionID: sid, playhead: 99 }, T0 + 99_000),
      );
      expectProblem(late, 410);
    });

    it('C10: unknown sessions are 404 (a sessionID not of 64 hex characters among them); a missing one is 400', async () => {
      for (const sessionID of ['not-a-real-session', 'a'.repeat(63), 'f'.repeat(64)]) {
        const res = await edge.va('ping', edgeBody('ping', { sessionID, playhead: 1 }));
        const problem = expectProblem(res, 404);
        expect(problem.title).toBe('Not Found');
        expect(typeof problem.report.details).toBe('string');
      }
      for (const sessionID of [42, { id: 'x' }, null]) {
        expectProblem(await edge.va('ping', edgeBody('ping', { sessionID, playhead: 1 })), 404);
      }
      const res = await edge.va('ping', edgeBody('ping', { playhead: 1 }));
      expectProblem(res, 400);
      expect(problemNames(res)).toEqual([`${MC}.sessionID`]);
    });

    it("C10: the catalogue's rules hold at XDM paths: an adStart without podPosition, a statesUpdate with neither list, an error without its details", async () => {
      const sid = await edge.start();
      const cases: Array<[string, Record<string, unknown>, string[]]> = [
        [
          'adStart',
          { advertisingDetails: { name: 'a', length: 15, playerName: 'p' } },
          [`${MC}.advertisingDetails.podPosition`],
        ],
        ['adStart', {}, [`${MC}.advertisingDetails`]],
        [
          'adBreakStart',
          { advertisingPodDetails: { index: 1, offset: 2.5 } },
          [`${MC}.advertisingPodDetails.offset`],
        ],
        [
          'chapterStart',
          { chapterDetails: { index: 1, offset: -1, length: 10 } },
          [`${MC}.chapterDetails.offset`],
        ],
        ['statesUpdate', {}, [`${MC}.statesStart`]],
        ['statesUpdate', { statesStart: [{ name: 'not ok!' }] }, [`${MC}.statesStart[0].name`]],
        ['error', {}, [`${MC}.errorDetails`]],
        [
          'error',
          { errorDetails: { name: 'E', source: 'nowhere' } },
          [`${MC}.errorDetails.source`],
        ],
        ['bitrateChange', {}, [`${MC}.qoeDataDetails`]],
        [
          'bitrateChange',
          { qoeDataDetails: { bitrate: 'fast' } },
          [`${MC}.qoeDataDetails.bitrate`],
        ],
        ['adComplete', { advertisingDetails: { name: 'a' } }, [`${MC}.advertisingDetails`]],
        [
          'chapterStart',
          {
            chapterDetails: { index: 1, offset: 0, length: 10 },
            customMetadata: [{ name: 'bad key!', value: 'v' }],
          },
          [`${MC}.customMetadata[0].name`],
        ],
      ];
      cases.push([
        'chapterStart',
        {
          chapterDetails: { index: 1, offset: 0, length: 10 },
          customMetadata: [{ name: '__proto__', value: 'v' }],
        },
        [`${MC}.customMetadata[0].name`],
      ]);
      for (const [name, mc, names] of cases) {
        const res = await edge.va(name, edgeBody(name, { sessionID: sid, playhead: 1, ...mc }));
        expectProblem(res, 400);
        expect(problemNames(res), `${name} ${JSON.stringify(mc)}`).toEqual(names);
      }
      expect((await storedEvents(sut.db, sid)).length).toBe(1);
    });

    it('C10: what alloy is seen to send is valid: qoeDataDetails null, lower-case contentType, fullScreen, names without _tenant.', async () => {
      const res = await edge.va(
        'sessionStart',
        anEdgeSessionStart({
          sessionDetails: sessionDetails({
            contentType: 'vod',
            streamType: 'video',
            appVersion: '2.33.1',
          }),
          qoeDataDetails: null,
          customMetadata: [{ name: 'isUserLoggedIn', value: 'false' }],
        }),
      );
      expect(res.status, res.text).toBe(200);
      const sid = newSessionId(res);
      await edge.send(sid, 'play', { playhead: 0, qoeDataDetails: null }, T0 + 100);
      await edge.send(
        sid,
        'statesUpdate',
        { playhead: 1, statesStart: [{ name: 'fullScreen' }] },
        T0 + 1100,
      );
      expect((await storedSession(sut.db, sid))?.params['media.sdkVersion']).toBe('2.33.1');
    });

    it('C10: an unknown va path is 404 problem+json; a GET is 405', async () => {
      const res = await edge.va('resume', edgeBody('resume', { playhead: 1 }));
      expectProblem(res, 404);
      const get = await request(sut.baseUrl, 'GET', '/ee/va/v1/ping');
      expect(get.status).toBe(405);
      expect(get.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    });
  });

  describe('CORS for the Web SDK', () => {
    it("C10: an Edge answer names the page's origin, allows credentials and exposes Retry-After; the MCA keeps *", async () => {
      const origin = 'https://www.site.test';
      const res = await edge.va('sessionStart', anEdgeSessionStart(), {}, { origin });
      expect(res.status).toBe(200);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-expose-headers')).toBe('Retry-After, X-Request-Id');
      expect(res.headers.get('vary')).toMatch(/Origin/);
      const bad = await edge.va(
        'ping',
        edgeBody('ping', { sessionID: 'x', playhead: 1 }),
        {},
        { origin },
      );
      expect(bad.status).toBe(404);
      expect(bad.headers.get('access-control-allow-origin')).toBe(origin);
      const mca = await post(sut.baseUrl, '/api/v1/sessions', aSessionStart(), {
        headers: { origin },
      });
      expect(mca.status).toBe(201);
      expectCorsHeaders(mca.headers);
      expect(mca.headers.get('access-control-allow-credentials')).toBeNull();
    });

    it('C10: a preflight on an Edge path is 204 and allows the headers asked for', async () => {
      const res = await fetch(`${sut.baseUrl}/ee/va/v1/ping`, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://www.site.test',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'content-type, x-custom',
        },
      });
      expect(res.status).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe('https://www.site.test');
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      expect(res.headers.get('access-control-allow-headers')).toBe('content-type, x-custom');
      expect(res.headers.get('access-control-allow-methods')).toMatch(/POST/);
    });
  });

  describe("v1/interact (the Web SDK's session start)", () => {
    it('C10: a media.sessionStart among the events starts a session; the identity cookie is handed out once', async () => {
      const body = anEdgeSessionStart();
      (body.events as unknown[]).unshift({
        xdm: { eventType: 'web.webpagedetails.pageViews', timestamp: new Date(T0).toISOString() },
      });
      const res = await edge.interact(body, { requestId: 'interact-1' });
      expect(res.status, res.text).toBe(200);
      const handles = handlesOf(res);
      const sid = newSessionId(res);
      expect(handles[0]).toEqual({
        type: 'media-analytics:new-session',
        payload: [{ sessionId: sid }],
        eventIndex: 1,
      });
      expect(handles[1].type).toBe('state:store');
      const [cookie] = handles[1].payload as Array<{ key: string; value: string; maxAge: number }>;
      expect(cookie.key).toBe(IDENTITY_COOKIE);
      const decoded = Buffer.from(cookie.value, 'base64');
      expect([decoded[0], decoded[1]]).toEqual([0x0a, 38]);
      expect(decoded.subarray(2).toString('ascii')).toMatch(/^[1-9]\d{37}$/);
      expect(await originOf(sut, sid)).toEqual({ wire_format: 'edge', config_id: CONFIG_ID });

      // The cookie back, as a header (first party) or in meta.state.entries (third party): no new one.
      const plain = {
        events: [
          {
            xdm: {
              eventType: 'web.webinteraction.linkClicks',
              timestamp: new Date(T0).toISOString(),
            },
          },
        ],
      };
      const withHeader = await edge.interact(
        plain,
        {},
        { cookie: `${IDENTITY_COOKIE}=${cookie.value}` },
      );
      expect(handlesOf(withHeader)).toEqual([]);
      const withEntries = await edge.interact({
        ...plain,
        meta: { state: { entries: [{ key: IDENTITY_COOKIE, value: cookie.value }] } },
      });
      expect(handlesOf(withEntries)).toEqual([]);
      const without = await edge.interact(plain);
      expect(handlesOf(without).map((h) => h.type)).toEqual(['state:store']);
    });

    it("C10: events without xdm (alloy's data-only events) are ignored there; a second media start in one request is refused", async () => {
      const ignored = await edge.interact({
        events: [
          { data: { __adobe: { analytics: {} } } },
          'x',
          { xdm: { eventType: 'web.webpagedetails.pageViews' } },
        ],
      });
      expect(ignored.status, ignored.text).toBe(200);
      expect(handlesOf(ignored).map((h) => h.type)).toEqual(['state:store']);
      const two = anEdgeSessionStart();
      (two.events as unknown[]).push((anEdgeSessionStart().events as unknown[])[0]);
      const res = await edge.interact(two);
      expectProblem(res, 400);
      expect(problemNames(res)).toEqual(['$.events[1].xdm']);
      const { rows } = await sut.db.query<{ n: number }>('SELECT count(*)::int AS n FROM sessions');
      expect(rows[0].n).toBe(0);
    });

    it('C10: collect takes the same start; a bad media start there is a 400 at its event index', async () => {
      const res = await post(
        sut.baseUrl,
        `/ee/v1/collect?configId=${CONFIG_ID}`,
        anEdgeSessionStart(),
        { contentType: 'text/plain' },
      );
      expect(res.status, res.text).toBe(200);
      newSessionId(res);
      const bad = await edge.interact(
        edgeBody('sessionStart', { playhead: 0, sessionDetails: { name: 'x' } }),
      );
      expectProblem(bad, 400);
      expect(problemNames(bad)).toContain(`${MC}.sessionDetails.playerName`);
    });
  });

  describe('va/v1/downloaded', () => {
    it('C10, C7: each event a whole offline session, stored closed with its events; 200 with a handle each', async () => {
      const session = (id: string) => ({
        xdm: {
          eventType: 'media.downloaded',
          timestamp: new Date(T0).toISOString(),
          identityMap: { FPID: [{ id: 'u-1', authenticatedState: 'ambiguous', primary: true }] },
          mediaDownloadedEvents: [
            {
              mediaEventType: 'media.sessionStart',
              mediaEventTimestamp: new Date(T0).toISOString(),
              mediaCollection: { playhead: 0, sessionDetails: sessionDetails({ name: id }) },
            },
            {
              mediaEventType: 'media.play',
              mediaEventTimestamp: new Date(T0 + 1000).toISOString(),
              mediaCollection: { playhead: 0 },
            },
            {
              mediaEventType: 'media.ping',
              mediaEventTimestamp: new Date(T0 + 11_000).toISOString(),
              mediaCollection: { playhead: 10 },
            },
            {
              mediaEventType: 'media.sessionComplete',
              mediaEventTimestamp: new Date(T0 + 61_000).toISOString(),
              mediaCollection: { playhead: 60 },
            },
          ],
        },
      });
      const res = await edge.va('downloaded', { events: [session('d-1'), session('d-2')] });
      expect(res.status, res.text).toBe(200);
      const handles = handlesOf(res);
      expect(handles.map((h) => h.eventIndex)).toEqual([0, 1]);
      for (const [i, handle] of handles.entries()) {
        const sid = handle.payload[0].sessionId as string;
        const stored = await storedSession(sut.db, sid);
        expect(stored?.media_id).toBe(`d-${i + 1}`);
        expect(stored?.downloaded).toBe(true);
        expect(stored?.close_reason).toBe('downloaded');
        expect((await storedEvents(sut.db, sid)).map((e) => e.event_type)).toEqual([
          'sessionStart',
          'play',
          'ping',
          'sessionComplete',
        ]);
        expect(await originOf(sut, sid)).toEqual({ wire_format: 'edge', config_id: CONFIG_ID });
      }
      const bad = await edge.va('downloaded', {
        events: [
          {
            xdm: {
              eventType: 'media.downloaded',
              mediaDownloadedEvents: [
                {
                  mediaEventType: 'media.play',
                  mediaEventTimestamp: new Date(T0).toISOString(),
                  mediaCollection: { playhead: 0 },
                },
              ],
            },
          },
        ],
      });
      expectProblem(bad, 400);
      expect(problemNames(bad)).toEqual([
        '$.events[0].xdm.mediaDownloadedEvents[0].mediaEventType',
      ]);
    });
  });
});

describe('C10, C6: Edge answers when the service says no', () => {
  const sut = useTestApp({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '2' });
  const edge = edgeClient(() => sut.baseUrl);

  it('C10: 429 is problem+json with Retry-After, exposed to the page', async () => {
    const answers: HttpResult[] = [];
    for (let i = 0; i < 4; i += 1) {
      answers.push(
        await edge.va(
          'sessionStart',
          anEdgeSessionStart(),
          {},
          { origin: 'https://www.site.test' },
        ),
      );
    }
    const refused = answers.find((r) => r.status === 429);
    expect(refused, answers.map((a) => a.status).join(',')).toBeDefined();
    expectProblem(refused!, 429);
    expect(Number(refused!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(refused!.headers.get('access-control-expose-headers')).toMatch(/Retry-After/);
  });
});

describe('C10: EDGE_BASE_PATH', () => {
  const sut = useTestApp({ EDGE_BASE_PATH: 'mca/edge' });
  const edge = edgeClient(() => sut.baseUrl, 'mca/edge');

  it('C10: the Edge paths move under the configured prefix, hint segment included', async () => {
    const sid = await edge.start();
    const res = await post(
      sut.baseUrl,
      `/mca/edge/rig1/va/v1/play?configId=${CONFIG_ID}`,
      edgeBody('play', { sessionID: sid, playhead: 0 }, T0 + 1),
    );
    expect(res.status, res.text).toBe(204);
    expect((await request(sut.baseUrl, 'POST', '/ee/va/v1/ping')).status).toBe(404);
  });
});
