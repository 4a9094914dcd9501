import { describe, expect, it } from 'vitest';
import { dateTimeMs } from '../../src/edge/edge-request.js';
import { EdgeStarts } from '../../src/edge/edge-starts.js';
import { hasIdentity, identityCookieName, newIdentity } from '../../src/edge/edge-identity.js';
import { edgeProblem } from '../../src/edge/edge-problem.js';
import { mapXdmEvent } from '../../src/edge/xdm-event.js';
import { eventBodyErrors } from '../../src/sessions/event-checks.js';

const BASE = '$.events[0].xdm.mediaCollection';
const TS_PATH = '$.events[0].xdm.timestamp';
const map = (name: Parameters<typeof mapXdmEvent>[0], mc: Record<string, unknown>) =>
  mapXdmEvent(name, mc, 1_700_000_000_000, BASE, TS_PATH);

describe('C10: XDM onto the MCA', () => {
  it('C10: a sessionStart: sessionDetails become media.* params, customMetadata a map, QoE in bps and ms', () => {
    const mapped = map('sessionStart', {
      playhead: 0,
      sessionDetails: {
        name: 'id-1',
        friendlyName: 'Title',
        length: 600,
        contentType: 'VOD',
        playerName: 'p',
        channel: 'c',
        mvpd: 'M',
        authorized: 'true',
        isDownloaded: false,
        appVersion: '2.33.1',
        custom: 'kept',
      },
      customMetadata: [
        { name: '_t.a', value: '1' },
        { name: 'b', value: '2' },
      ],
      qoeDataDetails: { bitrate: 1500, timeToStart: 3, droppedFrames: 2, other: 'x' },
    });
    expect(mapped.problems).toEqual([]);
    expect(mapped.body).toEqual({
      eventType: 'sessionStart',
      playerTime: { playhead: 0, ts: 1_700_000_000_000 },
      params: {
        'media.id': 'id-1',
        'media.name': 'Title',
        'media.length': 600,
        'media.contentType': 'VOD',
        'media.playerName': 'p',
        'media.channel': 'c',
        'media.pass.mvpd': 'M',
        'media.pass.auth': 'true',
        'media.downloaded': false,
        'media.sdkVersion': '2.33.1',
        'sessionDetails.custom': 'kept',
      },
      customMetadata: { '_t.a': '1', b: '2' },
      qoeData: {
        'media.qoe.bitrate': 1_500_000,
        'media.qoe.timeToStart': 3000,
        'media.qoe.droppedFrames': 2,
        other: 'x',
      },
    });
    expect(mapped.xdmPath('params.media.id')).toBe(`${BASE}.sessionDetails.name`);
    expect(mapped.xdmPath('params.media.channel')).toBe(`${BASE}.sessionDetails.channel`);
    expect(mapped.xdmPath('playerTime.ts')).toBe(TS_PATH);
    expect(mapped.xdmPath('qoeData.media.qoe.bitrate')).toBe(`${BASE}.qoeDataDetails.bitrate`);
    expect(mapped.xdmPath('customMetadata.b')).toBe(`${BASE}.customMetadata[1].name`);
    expect(mapped.xdmPath('somewhere.else')).toBe(BASE);
  });

  it('C10: ads, chapters, errors and states', () => {
    expect(
      map('adStart', {
        playhead: 5,
        sessionID: 's',
        advertisingDetails: {
          name: 'ad',
          friendlyName: 'Ad',
          length: 15,
          podPosition: 0,
          playerName: 'x',
          campaignID: 'c1',
        },
      }).body.params,
    ).toEqual({
      'media.ad.id': 'ad',
      'media.ad.name': 'Ad',
      'media.ad.length': 15,
      'media.ad.podPosition': 0,
      'media.ad.playerName': 'x',
      'media.ad.campaignId': 'c1',
    });
    expect(
      map('adBreakStart', { playhead: 0, advertisingPodDetails: { index: 1, offset: 0 } }).body
        .params,
    ).toEqual({
      'media.ad.podIndex': 1,
      'media.ad.podSecond': 0,
    });
    expect(
      map('chapterStart', {
        playhead: 0,
        chapterDetails: { index: 1, offset: 0, length: 9, friendlyName: 'C' },
      }).body.params,
    ).toEqual({
      'media.chapter.index': 1,
      'media.chapter.offset': 0,
      'media.chapter.length': 9,
      'media.chapter.friendlyName': 'C',
    });
    expect(
      map('error', { playhead: 0, errorDetails: { name: 'E', source: 'external' } }).body.params,
    ).toEqual({
      'media.errorId': 'E',
      'media.errorSource': 'external',
    });
    const states = map('statesUpdate', {
      playhead: 0,
      statesStart: [{ name: 'mute' }],
      statesEnd: [{ name: 'fullScreen' }, 7],
    });
    expect(states.body.params).toEqual({
      statesStart: [{ 'media.state.name': 'mute' }],
      statesEnd: [{ 'media.state.name': 'fullScreen' }, 7],
    });
    expect(states.xdmPath('params.statesEnd[1]')).toBe(`${BASE}.statesEnd[1]`);
    expect(states.xdmPath('params.statesStart[0].media.state.name')).toBe(
      `${BASE}.statesStart[0].name`,
    );
  });

  it('C10: what only the XDM can be wrong about is named at its XDM path', () => {
    expect(map('ping', { playhead: 1.5 }).problems).toEqual([
      { path: `${BASE}.playhead`, message: 'must be an integer' },
    ]);
    expect(
      map('chapterStart', { playhead: 0, chapterDetails: { index: 1, offset: 0.5, length: 9 } })
        .problems,
    ).toEqual([{ path: `${BASE}.chapterDetails.offset`, message: 'must be an integer' }]);
    expect(map('error', { playhead: 0, errorDetails: { name: 'E' } }).problems).toEqual([
      { path: `${BASE}.errorDetails.source`, message: 'is required' },
    ]);
    expect(map('adComplete', { playhead: 0, advertisingDetails: {} }).problems).toEqual([
      { path: `${BASE}.advertisingDetails`, message: 'is not allowed on media.adComplete' },
    ]);
    expect(map('bitrateChange', { playhead: 0, qoeDataDetails: null }).problems).toEqual([
      { path: `${BASE}.qoeDataDetails`, message: 'is required' },
    ]);
    expect(
      map('sessionStart', { playhead: 0, sessionDetails: 'x', customMetadata: {} }).problems,
    ).toEqual([
      { path: `${BASE}.sessionDetails`, message: 'must be a JSON object' },
      { path: `${BASE}.customMetadata`, message: 'must be an array of {name, value}' },
    ]);
    // qoeDataDetails: null is what alloy's legacy tracker sends before any QoE.
    expect(map('play', { playhead: 0, qoeDataDetails: null })).toMatchObject({
      problems: [],
      body: { eventType: 'play' },
    });
  });

  it('C10: the catalogue judges the mapped body: an Edge start needs no analytics.* or visitor.* params, an MCA start does', async () => {
    const { body } = map('sessionStart', {
      playhead: 0,
      sessionDetails: { name: 'i', length: 10, contentType: 'VOD', playerName: 'p', channel: 'c' },
    });
    expect(await eventBodyErrors(body, 'edge')).toEqual([]);
    expect((await eventBodyErrors(body, 'mca')).map((e) => e.path).sort()).toEqual([
      'params.analytics.reportSuite',
      'params.analytics.trackingServer',
      'params.visitor.marketingCloudOrgId',
    ]);
    const ping = map('ping', { playhead: 3, sessionID: 'x' }).body;
    expect(await eventBodyErrors(ping, 'edge')).toEqual([]);
  });
});

describe('C10: Edge helpers', () => {
  it('C10: date-times need a zone and a real date', () => {
    expect(dateTimeMs('2026-12-01T10:00:00.123Z')).toBe(Date.UTC(2026, 11, 1, 10, 0, 0, 123));
    expect(dateTimeMs('2026-12-01T11:00:00+01:00')).toBe(Date.UTC(2026, 11, 1, 10));
    for (const bad of [
      '2026-12-01T10:00:00',
      '2026-02-30T00:00:00Z',
      '2026-12-01',
      1_700_000_000_000,
      'now',
    ]) {
      expect(dateTimeMs(bad), String(bad)).toBeUndefined();
    }
  });

  it('C10: a start retried with its requestId gets the first session, while it is stored and after; a failed one starts anew', async () => {
    let now = 0;
    const starts = new EdgeStarts(() => now);
    let made = 0;
    const start = () => Promise.resolve(`s${(made += 1)}`);
    const [a, b] = await Promise.all([starts.once('r1', start), starts.once('r1', start)]);
    expect([a, b, made]).toEqual(['s1', 's1', 1]);
    expect(await starts.once(undefined, start)).toBe('s2');
    await expect(starts.once('r2', () => Promise.reject(new Error('db away')))).rejects.toThrow(
      'db away',
    );
    expect(await starts.once('r2', start)).toBe('s3');
    now = 10 * 60_000 + 1;
    expect(await starts.once('r1', start)).toBe('s4');
  });

  it("C10: the identity cookie: alloy's name, protobuf field 1 of 38 digits, found as a header or in meta.state.entries", () => {
    const name = identityCookieName('ABC@AdobeOrg');
    expect(name).toBe('kndctr_ABC_AdobeOrg_identity');
    const bytes = Buffer.from(newIdentity(), 'base64');
    expect(bytes.length).toBe(40);
    expect([bytes[0], bytes[1]]).toEqual([0x0a, 0x26]);
    expect(bytes.subarray(2).toString()).toMatch(/^[1-9]\d{37}$/);
    expect(hasIdentity(name, `a=1; ${name}=x`, {})).toBe(true);
    expect(hasIdentity(name, `x${name}=x`, {})).toBe(false);
    expect(
      hasIdentity(name, undefined, { meta: { state: { entries: [{ key: name, value: 'x' }] } } }),
    ).toBe(true);
    expect(hasIdentity(name, undefined, { meta: {} })).toBe(false);
  });

  it("C10: problem+json: Adobe's type per status, the fields of a 400 by name and reason", () => {
    expect(
      edgeProblem(
        {
          statusCode: 400,
          message: 'The request is invalid.',
          errors: [{ path: '$.a', message: 'is required' }],
        },
        'r',
      ),
    ).toEqual({
      type: 'https://ns.adobe.com/aep/errors/va-edge-0400-400',
      status: 400,
      title: 'Bad Request',
      detail: 'The request is invalid.',
      report: { requestId: 'r', details: [{ name: '$.a', reason: 'is required' }] },
    });
    expect(
      edgeProblem({ statusCode: 404, message: 'No session has this id.' }, 'r').report.details,
    ).toBe('No session has this id.');
  });
});

describe('C8, C10: EDGE_BASE_PATH', () => {
  it("C8: path segments, not a prefix of the service's own routes", async () => {
    const { loadConfig } = await import('../../src/config/app-config.js');
    expect(loadConfig({ EDGE_BASE_PATH: 'mca/edge' }).edgeBasePath).toBe('mca/edge');
    expect(loadConfig({}).edgeBasePath).toBe('ee');
    for (const bad of ['api', 'api/v1', 'health', 'metrics/x', '/ee', 'ee/', '../x', 'a b']) {
      expect(() => loadConfig({ EDGE_BASE_PATH: bad }), bad).toThrow(/EDGE_BASE_PATH/);
    }
  });
});
