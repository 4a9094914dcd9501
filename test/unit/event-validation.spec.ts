import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { violationsOf } from '../support/validation.js';
import { ContractValidationPipe } from '../../src/common/validation/contract-validation.pipe.js';
import { EventBody } from '../../src/sessions/dto/event-bodies.js';
import { CONTRACT_EVENT_TYPES, aSessionStart, anEvent } from '../support/factories.js';

const sut = new ContractValidationPipe();
const violations = (body: unknown) => violationsOf(EventBody, body);

async function pathsOf(body: unknown): Promise<string[]> {
  return (await violations(body)).map((e) => e.path);
}

/*
 * Everything below is written out by hand from contract C1 and C3, never read from the event
 * catalogue, so that these tests check the catalogue.
 */

const EVENT_TYPES = CONTRACT_EVENT_TYPES;

type EventType = (typeof EVENT_TYPES)[number];

/** C3's per-event required params, each with a valid value. */
const REQUIRED_PARAMS: Partial<Record<EventType, Record<string, unknown>>> = {
  adBreakStart: { 'media.ad.podIndex': 0, 'media.ad.podSecond': 0 },
  adStart: {
    'media.ad.id': 'ad-1',
    'media.ad.length': 15,
    'media.ad.podPosition': 0,
    'media.ad.playerName': 'ad-player',
  },
  chapterStart: { 'media.chapter.index': 0, 'media.chapter.offset': 0, 'media.chapter.length': 30 },
  stateStart: { 'media.state.name': 'fullscreen' },
  stateEnd: { 'media.state.name': 'mute' },
};

const TYPES_WITH_REQUIRED_PARAMS = Object.keys(REQUIRED_PARAMS) as EventType[];

/** [eventType, param, a wrong value, what is wrong with it], from C3's types and ranges. */
const BAD_VALUES: Array<[EventType, string, unknown, string]> = [
  ['adBreakStart', 'media.ad.podIndex', '0', 'a string'],
  ['adBreakStart', 'media.ad.podIndex', null, 'null'],
  ['adBreakStart', 'media.ad.podIndex', -1, 'negative'],
  ['adBreakStart', 'media.ad.podIndex', 1.5, 'not an integer'],
  ['adBreakStart', 'media.ad.podSecond', '0', 'a string'],
  ['adBreakStart', 'media.ad.podSecond', true, 'a boolean'],
  ['adBreakStart', 'media.ad.podSecond', -1, 'negative'],
  ['adStart', 'media.ad.id', 5, 'a number'],
  ['adStart', 'media.ad.id', null, 'null'],
  ['adStart', 'media.ad.length', '15', 'a string'],
  ['adStart', 'media.ad.length', -15, 'negative'],
  ['adStart', 'media.ad.podPosition', '1', 'a string'],
  ['adStart', 'media.ad.podPosition', -1, 'negative'],
  ['adStart', 'media.ad.podPosition', 1.5, 'not an integer'],
  ['adStart', 'media.ad.playerName', 7, 'a number'],
  ['adStart', 'media.ad.playerName', { name: 'x' }, 'an object'],
  ['chapterStart', 'media.chapter.index', '1', 'a string'],
  ['chapterStart', 'media.chapter.index', -1, 'negative'],
  ['chapterStart', 'media.chapter.index', 1.5, 'not an integer'],
  ['chapterStart', 'media.chapter.offset', '0', 'a string'],
  ['chapterStart', 'media.chapter.offset', -1, 'negative'],
  ['chapterStart', 'media.chapter.length', '30', 'a string'],
  ['chapterStart', 'media.chapter.length', -30, 'negative'],
  ['stateStart', 'media.state.name', 'full screen', 'holding a space'],
  ['stateStart', 'media.state.name', 'a'.repeat(65), '65 characters long'],
  ['stateStart', 'media.state.name', '', 'empty'],
  ['stateStart', 'media.state.name', 'état', 'holding a non-ASCII letter'],
  ['stateStart', 'media.state.name', 'a-b', 'holding a dash'],
  ['stateStart', 'media.state.name', 5, 'a number'],
  ['stateEnd', 'media.state.name', 'full screen', 'holding a space'],
  ['stateEnd', 'media.state.name', 'a'.repeat(65), '65 characters long'],
  ['stateEnd', 'media.state.name', '', 'empty'],
  ['stateEnd', 'media.state.name', null, 'null'],
];

/** [eventType, param, a value at the edge of its range] that must be accepted. */
const EDGE_VALUES: Array<[EventType, string, unknown]> = [
  ['adBreakStart', 'media.ad.podIndex', 0],
  ['adBreakStart', 'media.ad.podIndex', 3],
  ['adBreakStart', 'media.ad.podSecond', 0],
  ['adBreakStart', 'media.ad.podSecond', 12.5],
  ['adStart', 'media.ad.length', 0.001],
  ['adStart', 'media.ad.length', 0], // unknown (C3)
  ['adStart', 'media.ad.podPosition', 0],
  ['adStart', 'media.ad.podPosition', 2],
  ['chapterStart', 'media.chapter.index', 0],
  ['chapterStart', 'media.chapter.index', 4],
  ['chapterStart', 'media.chapter.offset', 0],
  ['chapterStart', 'media.chapter.offset', 30.25],
  ['chapterStart', 'media.chapter.length', 0.5],
  ['chapterStart', 'media.chapter.length', 0], // unknown (C3)
  ['stateStart', 'media.state.name', 'a'.repeat(64)],
  ['stateStart', 'media.state.name', 'A_b.9'],
  ['stateEnd', 'media.state.name', 'closedCaptioning'],
  ['stateEnd', 'media.state.name', 'x'],
];

const TS = 1_700_000_000_000;

/** A body of the given type carrying exactly the given members (no params member unless given). */
function body(
  eventType: string,
  members: { params?: Record<string, unknown>; qoeData?: unknown; customMetadata?: unknown } = {},
): Record<string, unknown> {
  return { playerTime: { playhead: 10, ts: TS }, eventType, ...members };
}

/** The smallest valid body of each type: only what C3 requires. */
function minimal(eventType: EventType): Record<string, unknown> {
  if (eventType === 'error') return body(eventType, { params: { 'media.errorId': 'E1' } });
  if (eventType === 'statesUpdate') {
    return body(eventType, { params: { statesStart: [{ 'media.state.name': 'mute' }] } });
  }
  const required = REQUIRED_PARAMS[eventType];
  return required ? body(eventType, { params: { ...required } }) : body(eventType);
}

function withParams(eventType: EventType, params: Record<string, unknown>) {
  const base = minimal(eventType);
  return { ...base, params: { ...(base.params as object | undefined), ...params } };
}

function withoutParam(eventType: EventType, key: string): Record<string, unknown> {
  const copy = structuredClone(minimal(eventType));
  delete (copy.params as Record<string, unknown>)[key];
  return copy;
}

describe('ContractValidationPipe on a session event body (C1, C3)', () => {
  it('C3: the contract lists 20 distinct event types (contentComplete among them)', () => {
    expect(new Set(EVENT_TYPES).size).toBe(20);
  });

  describe('one valid body of every type', () => {
    it.each(EVENT_TYPES)('C3: a minimal %s is accepted', async (eventType) => {
      expect(await violations(minimal(eventType))).toEqual([]);
    });

    it.each(EVENT_TYPES)('C3: the factory %s (with optional params) is accepted', async (type) => {
      expect(await violations(anEvent(type))).toEqual([]);
    });

    it.each(EVENT_TYPES)('C1: %s accepts qoeData', async (eventType) => {
      const qoeData = { 'media.qoe.bitrate': 2_000_000, 'media.qoe.droppedFrames': 3, param1: 'x' };
      expect(await violations({ ...minimal(eventType), qoeData })).toEqual([]);
    });

    it('C1: an accepted body is handed on exactly as parsed', async () => {
      const input = {
        ...withParams('adStart', { 'custom.key': { nested: [1, 'two'] } }),
        qoeData: { 'media.qoe.bitrate': 1000 },
        customMetadata: { campaign: 'spring' },
      };
      const copy = structuredClone(input);
      const result = await sut.transform(input, {
        type: 'body',
        metatype: EventBody,
        data: undefined,
      });
      expect(input).toEqual(copy);
      expect(result).toEqual(copy);
    });
  });

  describe('required params (C3)', () => {
    const missingCases = TYPES_WITH_REQUIRED_PARAMS.flatMap((eventType) =>
      Object.keys(REQUIRED_PARAMS[eventType]!).map((key) => [eventType, key] as const),
    );

    it('C3: the hand-written table covers 11 required params', () => {
      expect(missingCases).toHaveLength(11);
    });

    it.each(missingCases)('C3: %s without params.%s is refused at that path', async (type, key) => {
      expect(await violations(withoutParam(type, key))).toEqual([
        { path: `params.${key}`, message: 'is required' },
      ]);
    });

    it.each(TYPES_WITH_REQUIRED_PARAMS)(
      'C3: %s without any required param names every one of them',
      async (eventType) => {
        const expected = Object.keys(REQUIRED_PARAMS[eventType]!).map((key) => `params.${key}`);
        expect((await pathsOf(body(eventType, { params: {} }))).sort()).toEqual(expected.sort());
      },
    );

    it.each([...TYPES_WITH_REQUIRED_PARAMS, 'statesUpdate' as const])(
      'C3: %s without a params member is refused at params',
      async (eventType) => {
        const paths = await pathsOf(body(eventType));
        expect(paths.length).toBeGreaterThan(0);
        expect(paths).toContain('params');
        for (const path of paths) expect(path).toMatch(/^params(\.|$)/);
      },
    );

    it.each(BAD_VALUES)('C3: %s params.%s = %j (%s) is refused', async (type, key, value) => {
      expect(await pathsOf(withParams(type, { [key]: value }))).toEqual([`params.${key}`]);
    });

    it.each(EDGE_VALUES)('C3: %s params.%s = %j is accepted', async (type, key, value) => {
      expect(await pathsOf(withParams(type, { [key]: value }))).toEqual([]);
    });

    it.each(['pre-roll', ''])('C3: adBreakStart podFriendlyName %j is accepted', async (name) => {
      expect(
        await pathsOf(withParams('adBreakStart', { 'media.ad.podFriendlyName': name })),
      ).toEqual([]);
    });

    it.each([
      ['adStart', 'media.ad.name', 5],
      ['adStart', 'media.ad.advertiser', true],
      ['adStart', 'media.ad.creativeURL', 1],
      ['adBreakStart', 'media.ad.podFriendlyName', 1],
      ['chapterStart', 'media.chapter.friendlyName', 2],
    ] as Array<[EventType, string, unknown]>)(
      'C1: %s known optional params.%s with a wrong type (%j) is refused',
      async (type, key, value) => {
        expect(await pathsOf(withParams(type, { [key]: value }))).toEqual([`params.${key}`]);
      },
    );
  });

  describe('ping (C3)', () => {
    it('C3: ping without params is accepted, with qoeData too', async () => {
      expect(await pathsOf(body('ping'))).toEqual([]);
      expect(await pathsOf(body('ping', { qoeData: { 'media.qoe.bitrate': 5 } }))).toEqual([]);
    });

    it.each([
      ['an empty object (what Adobe’s 2018 reference player sends)', {}],
      ['an unknown key', { 'player.custom': 'x' }],
      ['a known key of another event', { 'media.ad.id': 'x' }],
    ])('C1: ping with params holding %s is accepted', async (_kind, params) => {
      expect(await pathsOf(body('ping', { params }))).toEqual([]);
    });

    it.each([
      ['null', null],
      ['an array', []],
      ['a string', ''],
    ])('C3: ping with params %s is refused at params', async (_kind, params) => {
      expect(await pathsOf({ ...body('ping'), params })).toEqual(['params']);
    });
  });

  describe('error (C3)', () => {
    it('C3: an error id in params alone is accepted', async () => {
      expect(await pathsOf(body('error', { params: { 'media.errorId': 'E1' } }))).toEqual([]);
    });

    it('C3: an error id in qoeData alone is accepted', async () => {
      expect(await pathsOf(body('error', { qoeData: { 'media.qoe.errorID': 'E1' } }))).toEqual([]);
    });

    it('C3: an error id in both places is accepted, with either source', async () => {
      const both = body('error', {
        params: { 'media.errorId': 'E1', 'media.errorSource': 'player' },
        qoeData: { 'media.qoe.errorID': 'E1', 'media.qoe.errorSource': 'external' },
      });
      expect(await pathsOf(both)).toEqual([]);
    });

    it.each([
      ['no params and no qoeData', body('error')],
      ['empty params', body('error', { params: {} })],
      ['a source but no id', body('error', { qoeData: { 'media.qoe.errorSource': 'player' } })],
      ['only other keys', body('error', { params: { code: 'E1' }, qoeData: { param1: 'E1' } })],
    ])(
      'C3: an error with %s (no id, as Adobe’s timeline 2 sends) is accepted',
      async (_kind, input) => {
        expect(await pathsOf(input)).toEqual([]);
      },
    );

    it('C1: the unprefixed errorID and errorSource are typed like the prefixed ones', async () => {
      expect(
        await pathsOf(body('error', { qoeData: { errorID: 'E1', errorSource: 'player' } })),
      ).toEqual([]);
      expect(
        await pathsOf(body('error', { qoeData: { errorID: 42, errorSource: 'server' } })),
      ).toEqual(['qoeData.errorID', 'qoeData.errorSource']);
    });

    it('C3: an error id that is not a string is refused at its path', async () => {
      expect(await pathsOf(body('error', { params: { 'media.errorId': 42 } }))).toEqual([
        'params.media.errorId',
      ]);
      expect(await pathsOf(body('error', { qoeData: { 'media.qoe.errorID': 42 } }))).toEqual([
        'qoeData.media.qoe.errorID',
      ]);
    });

    it('C1: a qoeData error source other than player or external is refused', async () => {
      const input = body('error', {
        qoeData: { 'media.qoe.errorID': 'E1', 'media.qoe.errorSource': 'server' },
      });
      expect(await pathsOf(input)).toEqual(['qoeData.media.qoe.errorSource']);
    });
  });

  describe('statesUpdate (C3)', () => {
    const item = (name: unknown) => ({ 'media.state.name': name });

    it('C3: statesStart alone is accepted', async () => {
      const input = body('statesUpdate', { params: { statesStart: [item('mute'), item('a.b')] } });
      expect(await pathsOf(input)).toEqual([]);
    });

    it('C3: statesEnd alone is accepted', async () => {
      expect(
        await pathsOf(body('statesUpdate', { params: { statesEnd: [item('fullscreen')] } })),
      ).toEqual([]);
    });

    it('C3: both lists are accepted', async () => {
      const input = body('statesUpdate', {
        params: { statesStart: [item('mute')], statesEnd: [item('fullscreen')] },
      });
      expect(await pathsOf(input)).toEqual([]);
    });

    it.each([
      ['an empty params object', {}],
      ['only unknown keys', { states: [item('mute')] }],
    ])('C3: statesUpdate with %s is refused, naming a list', async (_kind, params) => {
      const paths = await pathsOf(body('statesUpdate', { params }));
      expect(paths).toHaveLength(1);
      expect(['params.statesStart', 'params.statesEnd']).toContain(paths[0]);
    });

    it.each(['statesStart', 'statesEnd'])(
      'C3: a bad state name in %s is refused at its item path',
      async (list) => {
        const input = body('statesUpdate', {
          params: { [list]: [item('mute'), item('bad name')] },
        });
        expect(await pathsOf(input)).toEqual([`params.${list}[1].media.state.name`]);
      },
    );

    it.each([
      ['holding a space', 'bad name'],
      ['65 characters long', 'a'.repeat(65)],
      ['empty', ''],
      ['a number', 5],
      ['null', null],
    ])('C3: a statesStart item whose name is %s is refused', async (_kind, name) => {
      const input = body('statesUpdate', { params: { statesStart: [item(name)] } });
      expect(await pathsOf(input)).toEqual(['params.statesStart[0].media.state.name']);
    });

    it('C3: a statesStart item without a name is refused at the name', async () => {
      const input = body('statesUpdate', { params: { statesStart: [{}] } });
      expect(await violations(input)).toEqual([
        { path: 'params.statesStart[0].media.state.name', message: 'is required' },
      ]);
    });

    it.each([
      ['a string', 'mute'],
      ['an object', item('mute')],
      ['null', null],
    ])('C3: statesEnd as %s (not an array) is refused', async (_kind, list) => {
      const paths = await pathsOf(body('statesUpdate', { params: { statesEnd: list } }));
      expect(paths).toEqual(['params.statesEnd']);
    });

    it.each([
      ['a string', 'mute'],
      ['a number', 1],
      ['null', null],
    ])('C3: a statesStart item that is %s is refused', async (_kind, value) => {
      const paths = await pathsOf(body('statesUpdate', { params: { statesStart: [value] } }));
      expect(paths.length).toBeGreaterThan(0);
      for (const path of paths) expect(path).toMatch(/^params\.statesStart(\[0\])?$/);
    });
  });

  describe('customMetadata (C1)', () => {
    const WITH_METADATA: readonly EventType[] = ['adStart', 'chapterStart'];
    const WITHOUT_METADATA = EVENT_TYPES.filter((t) => !WITH_METADATA.includes(t));

    it('C1: 18 session event types may not carry customMetadata', () => {
      expect(WITHOUT_METADATA).toHaveLength(18);
    });

    it.each(WITH_METADATA)('C1: %s accepts customMetadata', async (eventType) => {
      const customMetadata = { campaign: 'spring', 'a.b_c': '' };
      expect(await pathsOf({ ...minimal(eventType), customMetadata })).toEqual([]);
    });

    it.each(WITH_METADATA)('C1: %s refuses a non-string customMetadata value', async (type) => {
      expect(await pathsOf({ ...minimal(type), customMetadata: { campaign: 5 } })).toEqual([
        'customMetadata.campaign',
      ]);
    });

    it.each(WITHOUT_METADATA)('C1: %s refuses customMetadata', async (eventType) => {
      expect(await pathsOf({ ...minimal(eventType), customMetadata: { campaign: 'x' } })).toEqual([
        'customMetadata',
      ]);
    });

    it.each(WITHOUT_METADATA)('C1: %s refuses even an empty customMetadata', async (eventType) => {
      expect(await pathsOf({ ...minimal(eventType), customMetadata: {} })).toEqual([
        'customMetadata',
      ]);
    });
  });

  describe('eventType (C3)', () => {
    it('C3: sessionStart is refused here at eventType', async () => {
      expect(await pathsOf(aSessionStart())).toEqual(['eventType']);
    });

    it('C3: sessionStart without its params is refused at eventType', async () => {
      expect(await pathsOf(body('sessionStart'))).toEqual(['eventType']);
    });

    it.each(['pause', 'resume', 'bufferComplete', 'seekStart', 'Play', 'PING', '', 'play '])(
      'C3: unknown eventType %j is refused at eventType',
      async (eventType) => {
        expect(await pathsOf(body(eventType))).toEqual(['eventType']);
      },
    );

    it.each([5, null, true, ['play'], { type: 'play' }])(
      'C3: eventType %j (not a string) is refused at eventType',
      async (eventType) => {
        expect(await pathsOf({ ...body('play'), eventType })).toEqual(['eventType']);
      },
    );

    it('C3: a missing eventType is refused as required', async () => {
      const input = body('play');
      delete input.eventType;
      expect(await violations(input)).toEqual([{ path: 'eventType', message: 'is required' }]);
    });
  });

  describe('unknown params keys (C1)', () => {
    const UNKNOWN = { 'player.custom': 'x', 'a.number': -2.5, 'a.flag': false, nested: { a: [1] } };
    it.each(EVENT_TYPES)('C1: %s accepts unknown params keys', async (eventType) => {
      expect(await pathsOf(withParams(eventType, UNKNOWN))).toEqual([]);
    });
  });

  describe('the envelope on every type (C1)', () => {
    it.each(EVENT_TYPES)('C1: %s without playerTime is refused at playerTime', async (type) => {
      const input = minimal(type);
      delete input.playerTime;
      expect(await violations(input)).toEqual([{ path: 'playerTime', message: 'is required' }]);
    });

    it.each(EVENT_TYPES)('C1: %s with an unknown top-level member is refused', async (type) => {
      expect(await pathsOf({ ...minimal(type), sid: 'x' })).toEqual(['sid']);
    });

    it.each(EVENT_TYPES)('C1: %s with a negative playhead is refused', async (type) => {
      expect(await pathsOf({ ...minimal(type), playerTime: { playhead: -1, ts: TS } })).toEqual([
        'playerTime.playhead',
      ]);
    });

    it.each(['play', 'adStart'] as const)(
      'C1: %s with params as an array is refused',
      async (t) => {
        expect(await pathsOf({ ...minimal(t), params: [] })).toEqual(['params']);
      },
    );
  });
});
