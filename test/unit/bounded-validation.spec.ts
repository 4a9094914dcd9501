import 'reflect-metadata';
import { describe, expect, it } from 'vitest';
import { ContractValidationPipe } from '../../src/common/validation/contract-validation.pipe.js';
import { ContractViolation } from '../../src/common/validation/contract-violation.exception.js';
import { declaredView } from '../../src/common/validation/member-shapes.js';
import { loadConfig } from '../../src/config/app-config.js';
import {
  DownloadedSessionBody,
  EventBody,
  SessionStartBody,
  SessionsPostBody,
} from '../../src/sessions/dto/event-bodies.js';
import { EVENT_DTOS } from '../../src/sessions/dto/event-rules.js';
import { aSessionStart, anEvent } from '../support/factories.js';

/*
 * Contract C1 and C6 on what checking a body may cost: arrays capped before their items are read,
 * at most 100 errors, paths and messages of bounded length. Figures are written out from the
 * contract, not read from the code.
 */

interface Refusal {
  readonly message: string;
  readonly errors: ReadonlyArray<{ readonly path: string; readonly message: string }>;
}

const defaults = new ContractValidationPipe();

async function refusalOf(
  metatype: unknown,
  body: unknown,
  pipe: ContractValidationPipe = defaults,
): Promise<Refusal> {
  try {
    await pipe.transform(body, { type: 'body', metatype: metatype as never, data: undefined });
  } catch (error) {
    if (error instanceof ContractViolation) {
      return { message: error.message, errors: error.fieldErrors };
    }
    throw error;
  }
  throw new Error('the body was accepted');
}

async function accepted(metatype: unknown, body: unknown, pipe = defaults): Promise<boolean> {
  const value = await pipe.transform(body, {
    type: 'body',
    metatype: metatype as never,
    data: undefined,
  });
  return value === body;
}

/** An array that counts how often one of its elements is read. */
function counted<T>(items: T[]): { array: T[]; reads: () => number } {
  let reads = 0;
  const array = new Proxy(items, {
    get(target, key, receiver) {
      if (typeof key === 'string' && /^\d+$/.test(key)) reads += 1;
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  return { array, reads: () => reads };
}

const START_TS = 1_700_000_000_000;
const ping = (offset: number) =>
  anEvent('ping', { playerTime: { ts: START_TS + offset * 1000, playhead: offset } });
const sessionEnd = (offset: number) =>
  anEvent('sessionEnd', { playerTime: { ts: START_TS + offset * 1000, playhead: offset } });
const states = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ 'media.state.name': `s${i}` }));

/** Both errors of an element `{}` after the first: no eventType, no playerTime. */
const emptyElementErrors = (index: number) => [
  { path: `[${index}].eventType`, message: 'is required' },
  { path: `[${index}].playerTime`, message: 'is required' },
];

describe('C6: validation stops after 100 errors', () => {
  it('C6: an offline session of a sessionStart and 150 `{}` lists the first 100 errors and says more are invalid', async () => {
    const body = [aSessionStart(), ...Array.from({ length: 150 }, () => ({}))];
    const refusal = await refusalOf(DownloadedSessionBody, body);
    expect(refusal.message).toBe(
      'The request is invalid: more than 100 fields are invalid, and the first 100 are listed.',
    );
    expect(refusal.errors).toEqual(
      Array.from({ length: 50 }, (_, i) => emptyElementErrors(i + 1)).flat(),
    );
  });

  it('C6: exactly 100 errors are all listed, and the message names the first', async () => {
    const body = [aSessionStart(), ...Array.from({ length: 50 }, () => ({}))];
    const refusal = await refusalOf(DownloadedSessionBody, body);
    expect(refusal.message).toBe(
      'The request is invalid: [1].eventType is required (and 99 more problems).',
    );
    expect(refusal.errors).toHaveLength(100);
    expect(refusal.errors.at(-1)).toEqual({ path: '[50].playerTime', message: 'is required' });
  });

  it('C6: the elements are checked one after another, and none after the one with the 101st error', async () => {
    let checked = 0;
    const CountingBody = {
      each: true,
      validateAs: (element: unknown, index: number) => {
        checked += 1;
        return DownloadedSessionBody.validateAs(element, index);
      },
    };
    await refusalOf(
      CountingBody,
      Array.from({ length: 1000 }, () => ({})),
    );
    // [0] is held to the sessionStart DTO: playerTime, eventType and params are required (3),
    // then 2 per element: the 101st error is the second of element 49.
    expect(checked).toBe(50);
  });

  it('C6: one object with 150 invalid members lists 100 of them', async () => {
    const customMetadata = Object.fromEntries(
      Array.from({ length: 150 }, (_, i) => [`bad-key-${i}`, 'v']),
    );
    const refusal = await refusalOf(SessionStartBody, aSessionStart({ body: { customMetadata } }));
    expect(refusal.message).toBe(
      'The request is invalid: more than 100 fields are invalid, and the first 100 are listed.',
    );
    expect(refusal.errors).toEqual(
      Array.from({ length: 100 }, (_, i) => ({
        path: `customMetadata.bad-key-${i}`,
        message: 'key must match ^[A-Za-z0-9_.]+$',
      })),
    );
  });
});

describe('C1: arrays are capped before their items are read', () => {
  const oversized = { path: 'params.statesStart', message: 'must hold at most 100 items' };

  it('C1/C3: a statesUpdate with 21,000 `{}` is refused with one error naming the array, without reading an item', async () => {
    const { array, reads } = counted(Array.from({ length: 21_000 }, () => ({})));
    const body = anEvent('statesUpdate', { params: { statesStart: array, statesEnd: undefined } });
    const refusal = await refusalOf(EventBody, body);
    expect(refusal).toEqual({
      message: 'The request is invalid: params.statesStart must hold at most 100 items.',
      errors: [oversized],
    });
    expect(reads()).toBe(0);
  });

  it('C3: 100 states are accepted, 101 are one error; both lists too long are one error each', async () => {
    expect(
      await accepted(EventBody, anEvent('statesUpdate', { params: { statesStart: states(100) } })),
    ).toBe(true);
    const one = await refusalOf(
      EventBody,
      anEvent('statesUpdate', { params: { statesStart: states(101) } }),
    );
    expect(one.errors).toEqual([oversized]);
    const both = anEvent('statesUpdate', {
      params: { statesStart: states(101), statesEnd: states(5000) },
    });
    expect((await refusalOf(EventBody, both)).errors).toEqual([
      oversized,
      { path: 'params.statesEnd', message: 'must hold at most 100 items' },
    ]);
  });

  it('C3: an oversized list is the only error even when other members are wrong', async () => {
    const body = anEvent('statesUpdate', {
      playerTime: { playhead: -1 },
      params: { statesStart: states(101), statesEnd: [{}] },
    });
    expect((await refusalOf(EventBody, body)).errors).toEqual([oversized]);
  });

  it('C1/C7: an oversized list inside an offline session is named by its element', async () => {
    const body = [
      aSessionStart(),
      anEvent('statesUpdate', { params: { statesStart: states(21_000), statesEnd: undefined } }),
    ];
    expect((await refusalOf(DownloadedSessionBody, body)).errors).toEqual([
      { path: '[1].params.statesStart', message: 'must hold at most 100 items' },
    ]);
  });

  describe('an offline session holds at most SESSION_MAX_EVENTS events and its sessionEnd', () => {
    const capped = new ContractValidationPipe(loadConfig({ SESSION_MAX_EVENTS: '3' }));
    const session = (events: number) => [
      aSessionStart({ playerTime: { ts: START_TS } }),
      ...Array.from({ length: events }, (_, i) => ping(i + 1)),
      sessionEnd(events + 1),
    ];

    it('C1/C7: a sessionStart, 2 events and a sessionEnd pass the cap of 3 (4 elements)', async () => {
      expect(await accepted(DownloadedSessionBody, session(2), capped)).toBe(true);
      expect(await accepted(SessionsPostBody, session(2), capped)).toBe(true);
    });

    it.each([
      ['/api/v1/downloaded', DownloadedSessionBody],
      ['/api/v1/sessions', SessionsPostBody],
    ])(
      'C1/C7: on %s, a fifth element is one error for the whole array, with no element read',
      async (_route, type) => {
        const { array, reads } = counted(session(3));
        expect(await refusalOf(type, array, capped)).toEqual({
          message: 'The request is invalid: $ must hold at most 4 elements.',
          errors: [{ path: '$', message: 'must hold at most 4 elements' }],
        });
        expect(reads()).toBe(0);
      },
    );

    it('C1/C7: by default the cap is 100,000 events and a sessionEnd: 1.39 M `{}` are one error', async () => {
      const body = Array.from({ length: 1_390_000 }, () => ({}));
      expect((await refusalOf(DownloadedSessionBody, body)).errors).toEqual([
        { path: '$', message: 'must hold at most 100001 elements' },
      ]);
    });
  });
});

describe('C6: an error names its field in bounded length and echoes no value', () => {
  it('C6: a 60 KB unknown member name is cut to 128 characters ending in …', async () => {
    const name = 'x'.repeat(60_000);
    const refusal = await refusalOf(EventBody, anEvent('play', { body: { [name]: 1 } }));
    expect(refusal.errors).toEqual([
      { path: `${'x'.repeat(127)}…`, message: 'is not an allowed member here' },
    ]);
    expect(refusal.message).toBe(
      `The request is invalid: ${'x'.repeat(127)}… is not an allowed member here.`,
    );
  });

  it('C6: 100 long names give 100 bounded paths, each under its element', async () => {
    const body = [
      aSessionStart(),
      ...Array.from({ length: 120 }, (_, i) => ({
        ...ping(i + 1),
        [`${i}:${'y'.repeat(10_000)}`]: 1,
      })),
    ];
    const refusal = await refusalOf(DownloadedSessionBody, body);
    expect(refusal.errors).toHaveLength(100);
    refusal.errors.forEach((error, i) => {
      const index = `[${i + 1}]`;
      expect(error.path).toBe(
        `${index}.${i}:${'y'.repeat(128 - index.length - `.${i}:`.length - 1)}…`,
      );
      expect(error.path).toHaveLength(128);
    });
    expect(JSON.stringify(refusal).length).toBeLessThan(20_000);
  });

  it('C6: a long name of astral characters is cut between two of them, never inside one', async () => {
    const refusal = await refusalOf(
      EventBody,
      anEvent('play', { body: { ['😀'.repeat(100)]: 1 } }),
    );
    const [error] = refusal.errors;
    expect(error?.path).toBe(`${'😀'.repeat(63)}…`);
    expect(error?.path.isWellFormed()).toBe(true);
  });

  it('C6: no error message repeats a value the client sent', async () => {
    const marker = 'VALUE-MARKER';
    const bodies: Array<[unknown, unknown]> = [
      [
        EventBody,
        anEvent('adStart', {
          params: { 'media.ad.length': marker, 'media.ad.podPosition': marker },
        }),
      ],
      [EventBody, anEvent('stateStart', { params: { 'media.state.name': `${marker} x` } })],
      [
        EventBody,
        anEvent('statesUpdate', {
          params: { statesStart: [{ 'media.state.name': marker, x: marker }] },
        }),
      ],
      [EventBody, { ...anEvent('play'), eventType: marker }],
      [EventBody, anEvent('error', { params: { 'media.errorSource': marker } })],
      [EventBody, anEvent('play', { playerTime: { playhead: marker, ts: marker } })],
      [
        EventBody,
        anEvent('bitrateChange', {
          body: { qoeData: { 'media.qoe.bitrate': marker, x: [marker] } },
        }),
      ],
      [
        SessionStartBody,
        aSessionStart({ params: { 'media.length': marker, 'media.streamType': marker } }),
      ],
      [SessionStartBody, aSessionStart({ body: { customMetadata: { key: [marker] } } })],
      [
        SessionStartBody,
        aSessionStart({ params: { 'visitor.customerIDs': { k: { id: 1, authState: marker } } } }),
      ],
    ];
    for (const [type, body] of bodies) {
      const refusal = await refusalOf(type, body);
      expect(refusal.errors.length).toBeGreaterThan(0);
      expect(JSON.stringify(refusal)).not.toContain(marker);
    }
  });

  it('C6: the longest message of the rules (the event types) is sent whole', async () => {
    const refusal = await refusalOf(EventBody, { ...anEvent('play'), eventType: 'pause' });
    expect(refusal.errors).toEqual([
      {
        path: 'eventType',
        message:
          'must be one of play, ping, pauseStart, bufferStart, bitrateChange, error, adBreakStart, ' +
          'adBreakComplete, adStart, adComplete, adSkip, chapterStart, chapterComplete, chapterSkip, ' +
          'stateStart, stateEnd, statesUpdate, sessionComplete, contentComplete, sessionEnd ' +
          '(sessionStart only on POST /api/v1/sessions)',
      },
    ]);
  });

  it('C6: a 400 keeps at most 100 errors, each path at most 128 and each message at most 320 characters', () => {
    const errors = Array.from({ length: 300 }, (_, i) => ({
      path: `p${i}.${'q'.repeat(500)}`,
      message: 'm'.repeat(1000),
    }));
    const violation = new ContractViolation(errors);
    expect(violation.fieldErrors).toHaveLength(100);
    expect(violation.fieldErrors[7]).toEqual({
      path: `p7.${'q'.repeat(124)}…`,
      message: `${'m'.repeat(319)}…`,
    });
    expect(violation.message).toBe(
      'The request is invalid: more than 100 fields are invalid, and the first 100 are listed.',
    );
  });
});

describe('C1: the rules read only the members they declare', () => {
  it('C1: a body is copied for the rules with its undeclared members left out and objects in leaf members emptied', () => {
    const junk = { deep: { deeper: Array.from({ length: 1000 }, (_, i) => i) } };
    const body = {
      playerTime: { playhead: 1, ts: 2, extra: junk },
      eventType: 'statesUpdate',
      params: {
        statesStart: [{ 'media.state.name': junk, other: junk }, 'mute', [junk]],
        statesEnd: junk,
        unknown: junk,
      },
      qoeData: { 'media.qoe.bitrate': [junk], param1: junk },
      sid: junk,
    };
    expect(declaredView(EVENT_DTOS.statesUpdate, body)).toEqual({
      playerTime: { playhead: 1, ts: 2 },
      eventType: 'statesUpdate',
      params: { statesStart: [{ 'media.state.name': {} }, 'mute', []], statesEnd: {} },
      qoeData: { 'media.qoe.bitrate': [] },
    });
  });

  it('C1: the sessionStart view keeps customer ids by their own keys', () => {
    const body = aSessionStart({
      params: { 'visitor.customerIDs': { email: { id: 'a', authState: 1, x: 'y' }, crm: 'z' } },
    });
    const view = declaredView(EVENT_DTOS.sessionStart, body) as { params: Record<string, unknown> };
    expect(view.params['visitor.customerIDs']).toEqual({
      email: { id: 'a', authState: 1 },
      crm: 'z',
    });
    expect(Object.keys(view).sort()).toEqual(
      ['customMetadata', 'eventType', 'params', 'playerTime', 'qoeData'].sort(),
    );
  });

  it('C1: what the rules say of a body is the same as before the view: undeclared members are still judged', async () => {
    const body = anEvent('ping', {
      playerTime: { playhead: -1 },
      body: { params: { big: { a: [1, 2, 3] } }, qoeData: { x: { nested: true } }, sid: 'x' },
    });
    expect((await refusalOf(EventBody, body)).errors).toEqual([
      { path: 'playerTime.playhead', message: 'must be at least 0' },
      { path: 'qoeData.x', message: 'must be a string, a finite number or a boolean' },
      { path: 'sid', message: 'is not an allowed member here' },
    ]);
  });
});
