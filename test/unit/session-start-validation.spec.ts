import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { violationsOf } from '../support/validation.js';
import { ContractValidationPipe } from '../../src/common/validation/contract-validation.pipe.js';
import { SessionStartBody } from '../../src/sessions/dto/event-bodies.js';
import { REQUIRED_STRING_PARAMS, aSessionStart, without } from '../support/factories.js';

const sut = new ContractValidationPipe();
const violations = (body: unknown) => violationsOf(SessionStartBody, body);

async function pathsOf(body: unknown): Promise<string[]> {
  return (await violations(body)).map((e) => e.path);
}

/** A sessionStart body without one of its params. */
function withoutParam(key: string): Record<string, unknown> {
  return without(aSessionStart(), 'params', key);
}

const REQUIRED_PARAMS = [...REQUIRED_STRING_PARAMS, 'media.length'] as const;

describe('ContractValidationPipe on a sessionStart body (C1, C2)', () => {
  it('C1: an accepted body is handed on as parsed (customer ids included)', async () => {
    const body = aSessionStart({
      params: { 'visitor.customerIDs': { email: { id: 'a@b.c', authState: 1 } } },
    });
    const copy = structuredClone(body);
    const result = await sut.transform(body, {
      type: 'body',
      metatype: SessionStartBody,
      data: undefined,
    });
    expect(body).toEqual(copy);
    expect(result).toEqual(copy);
  });

  it('C1: members named like inherited methods are judged like any other', async () => {
    expect(await pathsOf({ ...aSessionStart(), toString: 'x', valueOf: 1 })).toEqual([
      'toString',
      'valueOf',
    ]);
    const start = aSessionStart();
    start.playerTime = { playhead: 0, ts: 1_700_000_000_000, hasOwnProperty: 1 };
    expect(await pathsOf(start)).toEqual(['playerTime.hasOwnProperty']);
    // Inside params unknown keys are accepted and stored, whatever their name.
    expect(await pathsOf(aSessionStart({ params: { toString: 'x' } }))).toEqual([]);
  });

  it('C2: a body with only the required members is accepted', async () => {
    const body = aSessionStart();
    delete body.qoeData;
    delete body.customMetadata;
    for (const key of Object.keys(body.params as object)) {
      if (!(REQUIRED_PARAMS as readonly string[]).includes(key)) {
        delete (body.params as Record<string, unknown>)[key];
      }
    }
    expect(Object.keys(body.params as object).sort()).toEqual([...REQUIRED_PARAMS].sort());
    expect(await pathsOf(body)).toEqual([]);
  });

  describe('the eight required params (C2)', () => {
    it.each(REQUIRED_PARAMS)('C2: params.%s missing is refused as required', async (key) => {
      expect(await violations(withoutParam(key))).toEqual([
        { path: `params.${key}`, message: 'is required' },
      ]);
    });

    it.each(REQUIRED_PARAMS)('C2: params.%s as an empty string is refused', async (key) => {
      expect(await pathsOf(aSessionStart({ params: { [key]: '' } }))).toEqual([`params.${key}`]);
    });

    it.each(REQUIRED_STRING_PARAMS)('C2: params.%s as a number is refused', async (key) => {
      const errors = await violations(aSessionStart({ params: { [key]: 5 } }));
      expect(errors).toEqual([{ path: `params.${key}`, message: 'must be a string' }]);
    });

    it.each(REQUIRED_STRING_PARAMS)('C2: params.%s as null is refused', async (key) => {
      expect(await pathsOf(aSessionStart({ params: { [key]: null } }))).toEqual([`params.${key}`]);
    });

    it('C2: params.media.length as a numeric string is refused', async () => {
      expect(await pathsOf(aSessionStart({ params: { 'media.length': '60' } }))).toEqual([
        'params.media.length',
      ]);
    });

    it.each([-1, -0.5])('C2: params.media.length %s (below 0) is refused', async (length) => {
      // Live content, so that the playhead range (which depends on media.length) stays out of it.
      const body = aSessionStart({
        params: { 'media.length': length, 'media.contentType': 'live' },
      });
      expect(await pathsOf(body)).toEqual(['params.media.length']);
    });

    it('C2: params.media.length 0 (unknown) is accepted, and any playhead >= 0 with it', async () => {
      const vod = aSessionStart({
        params: { 'media.length': 0 },
        playerTime: { playhead: 25_070 },
      });
      expect(await pathsOf(vod)).toEqual([]);
      const negative = aSessionStart({
        params: { 'media.length': 0 },
        playerTime: { playhead: -1 },
      });
      expect(await pathsOf(negative)).toEqual(['playerTime.playhead']);
    });

    it('C1: media.qoe.timeToStart in the sessionStart params is typed (a number >= 0)', async () => {
      expect(await pathsOf(aSessionStart({ params: { 'media.qoe.timeToStart': 1200 } }))).toEqual(
        [],
      );
      expect(await pathsOf(aSessionStart({ params: { 'media.qoe.timeToStart': '1200' } }))).toEqual(
        ['params.media.qoe.timeToStart'],
      );
    });

    it('C2: params.media.length may be a fraction above 0', async () => {
      expect(await pathsOf(aSessionStart({ params: { 'media.length': 0.5 } }))).toEqual([]);
    });

    it('C2: media.name is optional', async () => {
      expect(await pathsOf(withoutParam('media.name'))).toEqual([]);
    });

    it('C6: every failing field is named at once', async () => {
      const body = aSessionStart({
        params: { 'media.channel': '', 'media.length': '60' },
        playerTime: { ts: 0 },
      });
      delete (body.params as Record<string, unknown>)['media.id'];
      expect((await pathsOf(body)).sort()).toEqual(
        ['params.media.channel', 'params.media.id', 'params.media.length', 'playerTime.ts'].sort(),
      );
    });
  });

  describe('media.streamType (C2)', () => {
    it.each(['audio', 'video'])('C2: media.streamType %s is accepted', async (streamType) => {
      expect(await pathsOf(aSessionStart({ params: { 'media.streamType': streamType } }))).toEqual(
        [],
      );
    });

    it.each(['tv', '', 5, null])('C2: media.streamType %j is refused', async (streamType) => {
      expect(await pathsOf(aSessionStart({ params: { 'media.streamType': streamType } }))).toEqual([
        'params.media.streamType',
      ]);
    });
  });

  describe('the playhead range (C2, seed page)', () => {
    const live = (contentType: string, playhead: number) =>
      aSessionStart({ params: { 'media.contentType': contentType }, playerTime: { playhead } });
    const vod = (length: number, playhead: number) =>
      aSessionStart({
        params: { 'media.contentType': 'VOD', 'media.length': length },
        playerTime: { playhead },
      });

    it.each(['live', 'LIVE', 'Live', 'linear', 'LINEAR', 'Linear'])(
      'C2: %s content accepts playhead 86399.9 and refuses 86400',
      async (contentType) => {
        expect(await pathsOf(live(contentType, 86399.9))).toEqual([]);
        expect(await pathsOf(live(contentType, 86400))).toEqual(['playerTime.playhead']);
      },
    );

    it('C2: live content accepts a playhead beyond media.length (it is the second of the day)', async () => {
      const body = aSessionStart({
        params: { 'media.contentType': 'live', 'media.length': 60 },
        playerTime: { playhead: 50_000 },
      });
      expect(await pathsOf(body)).toEqual([]);
    });

    it('C2: live content refuses a negative playhead', async () => {
      expect(await pathsOf(live('live', -1))).toEqual(['playerTime.playhead']);
    });

    it('C2: on-demand content accepts playhead == media.length and refuses more', async () => {
      expect(await pathsOf(vod(120.5, 120.5))).toEqual([]);
      expect(await pathsOf(vod(120.5, 120.50001))).toEqual(['playerTime.playhead']);
    });

    it('C2: on-demand content refuses a negative playhead', async () => {
      expect(await pathsOf(vod(120, -0.1))).toEqual(['playerTime.playhead']);
    });

    it('C2: a content type that merely contains "live" follows the on-demand range', async () => {
      const body = aSessionStart({
        params: { 'media.contentType': 'livestream', 'media.length': 60 },
        playerTime: { playhead: 5000 },
      });
      expect(await pathsOf(body)).toEqual(['playerTime.playhead']);
    });
  });

  describe('playerTime (C1)', () => {
    it('C1: playerTime missing is refused', async () => {
      expect(await violations(without(aSessionStart(), 'playerTime'))).toEqual([
        { path: 'playerTime', message: 'is required' },
      ]);
    });

    it.each([
      ['null', null],
      ['an array', [0, 1]],
      ['a string', '0'],
    ])('C1: playerTime as %s is refused', async (_kind, playerTime) => {
      expect(await pathsOf(aSessionStart({ body: { playerTime } }))).toEqual(['playerTime']);
    });

    it('C1: playerTime with an extra member is refused', async () => {
      expect(await pathsOf(aSessionStart({ playerTime: { offset: 1 } }))).toEqual([
        'playerTime.offset',
      ]);
    });

    it('C1: playerTime.playhead missing is refused as required', async () => {
      expect(await violations(without(aSessionStart(), 'playerTime', 'playhead'))).toEqual([
        { path: 'playerTime.playhead', message: 'is required' },
      ]);
    });

    it('C1: playerTime.playhead as a string is refused', async () => {
      expect(await pathsOf(aSessionStart({ playerTime: { playhead: '0' } }))).toEqual([
        'playerTime.playhead',
      ]);
    });

    it('C6: a string playhead is told it must be a number', async () => {
      const [error] = await violations(aSessionStart({ playerTime: { playhead: '0' } }));
      expect(error?.message).toMatch(/number/);
    });

    it('C1: playerTime.playhead negative is refused', async () => {
      expect(await pathsOf(aSessionStart({ playerTime: { playhead: -0.001 } }))).toEqual([
        'playerTime.playhead',
      ]);
    });

    it('C1: playerTime.playhead may be a float', async () => {
      expect(await pathsOf(aSessionStart({ playerTime: { playhead: 12.345 } }))).toEqual([]);
    });

    it('C1: playerTime.ts missing is refused as required', async () => {
      expect(await violations(without(aSessionStart(), 'playerTime', 'ts'))).toEqual([
        { path: 'playerTime.ts', message: 'is required' },
      ]);
    });

    it.each([
      ['a float', 1509045324153.5],
      ['0', 0],
      ['negative', -1509045324153],
      ['2^53', 2 ** 53],
      ['beyond 2^53', 2 ** 53 + 2],
      ['1e21', 1e21],
      ['a string', '1509045324153'],
      ['null', null],
    ])('C1: playerTime.ts %s is refused', async (_kind, ts) => {
      expect(await pathsOf(aSessionStart({ playerTime: { ts } }))).toEqual(['playerTime.ts']);
    });

    it('C1: playerTime.ts 1 and 2^53-1 are accepted', async () => {
      expect(await pathsOf(aSessionStart({ playerTime: { ts: 1 } }))).toEqual([]);
      expect(await pathsOf(aSessionStart({ playerTime: { ts: 2 ** 53 - 1 } }))).toEqual([]);
    });
  });

  describe('eventType and the envelope (C1, C2)', () => {
    it.each(['play', 'sessionEnd', 'SessionStart', ''])(
      'C2: eventType %j is refused on this route',
      async (eventType) => {
        expect(await pathsOf(aSessionStart({ body: { eventType } }))).toEqual(['eventType']);
      },
    );

    it('C1: eventType missing is refused as required', async () => {
      expect(await violations(without(aSessionStart(), 'eventType'))).toEqual([
        { path: 'eventType', message: 'is required' },
      ]);
    });

    it('C2: params missing is refused as required', async () => {
      expect(await violations(without(aSessionStart(), 'params'))).toEqual([
        { path: 'params', message: 'is required' },
      ]);
    });

    it.each(['extra', 'sid', 'event_type'])(
      'C1: an unknown top-level member %s is refused',
      async (member) => {
        expect(await violations(aSessionStart({ body: { [member]: 1 } }))).toEqual([
          { path: member, message: 'is not an allowed member here' },
        ]);
      },
    );

    it.each([
      ['an array', [aSessionStart()]],
      ['a string', 'sessionStart'],
      ['a number', 1],
      ['null', null],
    ])('C1: a top-level %s is refused', async (_kind, body) => {
      expect(await pathsOf(body)).toEqual(['$']);
    });

    it.each([
      ['params', 'an array', ['media.id']],
      ['params', 'a string', 'media.id'],
      ['qoeData', 'an array', [1]],
      ['qoeData', 'a string', 'bitrate'],
      ['customMetadata', 'an array', ['a']],
      ['customMetadata', 'a string', 'a'],
    ])('C1: %s as %s is refused', async (member, _kind, value) => {
      expect(await pathsOf(aSessionStart({ body: { [member]: value } }))).toEqual([member]);
    });

    it.each(['qoeData', 'customMetadata', 'params'])(
      'C1: %s null is refused (null is not absence)',
      async (member) => {
        expect(await pathsOf(aSessionStart({ body: { [member]: null } }))).toEqual([member]);
      },
    );

    it('C1: qoeData and customMetadata may be left out', async () => {
      expect(await pathsOf(without(without(aSessionStart(), 'qoeData'), 'customMetadata'))).toEqual(
        [],
      );
    });
  });

  describe('params: unknown and optional keys (C1)', () => {
    it('C1: unknown params keys are accepted with any value', async () => {
      const body = aSessionStart({
        params: {
          'player.custom': 'x',
          'a.number': -5.5,
          'a.flag': true,
          'a.null': null,
          'an.object': { nested: [1, { deep: 'yes' }] },
          'an.array': [1, 'two', false],
          weird_key: '',
        },
      });
      expect(await pathsOf(body)).toEqual([]);
    });

    it.each([
      ['analytics.enableSSL', true, 'true'],
      ['analytics.optOutServerSideForwarding', false, 0],
      ['analytics.optOutShare', true, null],
      ['visitor.aamLocationHint', 9, 9.5],
      ['visitor.aamLocationHint', -3, '9'],
      ['media.resume', true, 'yes'],
      ['media.downloaded', false, 1],
      ['media.name', 'A name', 5],
      ['media.name', '', null],
      ['analytics.visitorId', 'vid', 123],
      ['visitor.marketingCloudUserId', 'ecid', {}],
      ['appInstallationId', 'install', []],
      ['media.sdkVersion', 'v1', false],
      ['media.show', 'Show', 1],
      ['media.season', '2', 2],
      ['media.episode', '13', 13],
    ])('C1: known optional param %s accepts %j and refuses %j', async (key, good, bad) => {
      expect(await pathsOf(aSessionStart({ params: { [key]: good } }))).toEqual([]);
      expect(await pathsOf(aSessionStart({ params: { [key]: bad } }))).toEqual([`params.${key}`]);
    });
  });

  describe('params visitor.customerIDs (C1)', () => {
    const withIds = (customerIDs: unknown) =>
      aSessionStart({ params: { 'visitor.customerIDs': customerIDs } });

    it.each([0, 1, 2])('C1: a customer id with authState %i is accepted', async (authState) => {
      expect(
        await pathsOf(withIds({ email: { id: 'a@b.c', authState }, crm: { id: '7', authState } })),
      ).toEqual([]);
    });

    it('C1: an empty customerIDs object is accepted', async () => {
      expect(await pathsOf(withIds({}))).toEqual([]);
    });

    it.each([3, -1, 1.5, '1', null])('C1: authState %j is refused', async (authState) => {
      expect(await pathsOf(withIds({ email: { id: 'x', authState } }))).toEqual([
        'params.visitor.customerIDs.email.authState',
      ]);
    });

    it('C1: a customer id without id or authState is refused for each', async () => {
      expect((await pathsOf(withIds({ email: {} }))).sort()).toEqual([
        'params.visitor.customerIDs.email.authState',
        'params.visitor.customerIDs.email.id',
      ]);
    });

    it('C1: a customer id whose id is not a string is refused', async () => {
      expect(await pathsOf(withIds({ email: { id: 5, authState: 0 } }))).toEqual([
        'params.visitor.customerIDs.email.id',
      ]);
    });

    it('C1: a customer id with an extra member is refused', async () => {
      expect(await pathsOf(withIds({ email: { id: 'x', authState: 0, type: 'mail' } }))).toEqual([
        'params.visitor.customerIDs.email.type',
      ]);
    });

    it.each(['x', 5, null])('C1: a customer id entry %j is refused', async (entry) => {
      expect(await pathsOf(withIds({ email: entry }))).toEqual([
        'params.visitor.customerIDs.email',
      ]);
    });

    it.each([
      ['an array', [{ id: 'x', authState: 0 }]],
      ['a string', 'x'],
      ['null', null],
    ])('C1: customerIDs as %s is refused', async (_kind, customerIDs) => {
      expect(await pathsOf(withIds(customerIDs))).toEqual(['params.visitor.customerIDs']);
    });
  });

  describe('qoeData (C1)', () => {
    const withQoe = (qoeData: Record<string, unknown>) => aSessionStart({ body: { qoeData } });
    const NUMERIC_QOE = [
      'media.qoe.bitrate',
      'media.qoe.droppedFrames',
      'media.qoe.framesPerSecond',
      'media.qoe.timeToStart',
    ];

    it.each(NUMERIC_QOE)('C1: qoeData %s accepts 0 and a float', async (key) => {
      expect(await pathsOf(withQoe({ [key]: 0 }))).toEqual([]);
      expect(await pathsOf(withQoe({ [key]: 2500000.5 }))).toEqual([]);
    });

    it.each(NUMERIC_QOE)('C1: qoeData %s refuses a negative number', async (key) => {
      expect(await pathsOf(withQoe({ [key]: -1 }))).toEqual([`qoeData.${key}`]);
    });

    it.each(NUMERIC_QOE)('C1: qoeData %s refuses a numeric string', async (key) => {
      expect(await pathsOf(withQoe({ [key]: '100' }))).toEqual([`qoeData.${key}`]);
    });

    it.each(['player', 'external'])('C1: qoeData errorSource %s is accepted', async (source) => {
      expect(
        await pathsOf(withQoe({ 'media.qoe.errorSource': source, 'media.qoe.errorID': 'E1' })),
      ).toEqual([]);
    });

    it.each(['Player', 'server', '', 1])(
      'C1: qoeData errorSource %j is refused',
      async (source) => {
        expect(await pathsOf(withQoe({ 'media.qoe.errorSource': source }))).toEqual([
          'qoeData.media.qoe.errorSource',
        ]);
      },
    );

    it.each([42, true, null])('C1: qoeData errorID %j (not a string) is refused', async (id) => {
      expect(await pathsOf(withQoe({ 'media.qoe.errorID': id }))).toEqual([
        'qoeData.media.qoe.errorID',
      ]);
    });

    it('C1: other qoeData keys accept strings, numbers and booleans', async () => {
      expect(
        await pathsOf(withQoe({ param1: 'value', param2: -3.5, param3: true, param4: '' })),
      ).toEqual([]);
    });

    it.each([
      ['an object', { a: 1 }],
      ['an array', [1]],
      ['null', null],
    ])('C1: another qoeData key holding %s is refused', async (_kind, value) => {
      expect(await pathsOf(withQoe({ param1: value }))).toEqual(['qoeData.param1']);
    });
  });

  describe('customMetadata (C1)', () => {
    const withMetadata = (customMetadata: Record<string, unknown>) =>
      aSessionStart({ body: { customMetadata } });

    it('C1: keys of letters, digits, _ and . with string values are accepted', async () => {
      expect(
        await pathsOf(withMetadata({ myKey: 'v', 'a.b_c.D9': '', _: 'x', '0': 'zero' })),
      ).toEqual([]);
    });

    it.each(['my-key', 'my key', 'clé', 'a/b', ''])(
      'C1: customMetadata key %j is refused',
      async (key) => {
        expect(await pathsOf(withMetadata({ [key]: 'v' }))).toHaveLength(1);
        expect((await violations(withMetadata({ [key]: 'v' })))[0]?.message).toMatch(
          /\^\[A-Za-z0-9_\.\]\+\$/,
        );
      },
    );

    it.each([
      ['a number', 1],
      ['a boolean', true],
      ['null', null],
      ['a nested object', { inner: 'x' }],
      ['an array', ['x']],
    ])('C1: a customMetadata value that is %s is refused', async (_kind, value) => {
      expect(await pathsOf(withMetadata({ myKey: value }))).toEqual(['customMetadata.myKey']);
    });
  });
});
