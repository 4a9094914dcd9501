import 'reflect-metadata';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { fieldErrorsOf } from '../../src/common/validation/contract-validation.pipe.js';
import { type FieldError } from '../../src/common/validation/field-error.js';
import {
  EVENT_TYPES,
  type EventType,
  SESSION_EVENT_TYPES,
} from '../../src/media/event-catalogue.js';
import { eventJsonSchema } from '../../src/media/json-schema.js';
import {
  DownloadedSessionBody,
  EventBody,
  SessionStartBody,
} from '../../src/sessions/dto/event-bodies.js';
import { aSessionStart, anEvent } from '../support/factories.js';

type Body = Record<string, unknown>;

// As the service compiles them: JSON has no Infinity, so no number member may be one.
const ajv = new Ajv({ strict: false, allErrors: false, strictNumbers: true });
const schemaOf = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, ajv.compile(eventJsonSchema(type))]),
);

/** The class-validator DTOs' verdict alone (the pipe would first try the compiled fast path). */
async function validatorAccepts(type: EventType, body: unknown): Promise<boolean> {
  return (await dtoErrors(type, body)).length === 0;
}

function dtoErrors(type: EventType, body: unknown): Promise<FieldError[]> {
  return fieldErrorsOf(
    type === 'sessionStart' ? SessionStartBody.validateAs() : EventBody.validateAs(body),
    body,
  );
}

/** The one rule JSON Schema cannot state: an on-demand playhead within that body's media.length. */
async function onlyBreaksMediaLength(body: unknown): Promise<boolean> {
  // An infinite playhead breaks the number rule too, though the DTO names only the range.
  const playhead = (body as { playerTime?: { playhead?: unknown } }).playerTime?.playhead;
  if (typeof playhead === 'number' && !Number.isFinite(playhead)) return false;
  const errors = await dtoErrors('sessionStart', body);
  return (
    errors.length === 1 &&
    errors[0]?.path === 'playerTime.playhead' &&
    errors[0].message.includes('media.length')
  );
}

const WRONG_VALUES: unknown[] = [
  null,
  '',
  'text',
  -1,
  0,
  1.5,
  2 ** 60,
  // JSON's 1e400 parses to these.
  Infinity,
  -Infinity,
  true,
  {},
  [],
  [{}],
  { a: 1 },
];

/** The valid body, then mutations of it: members removed, retyped, added, in every object. */
function corpus(type: EventType): Body[] {
  const valid =
    type === 'sessionStart'
      ? aSessionStart()
      : anEvent(type, { body: { qoeData: { 'media.qoe.bitrate': 1 } } });
  const bodies: Body[] = [valid];
  const mutate = (change: (copy: Body) => void) => {
    const copy = structuredClone(valid);
    change(copy);
    bodies.push(copy);
  };
  const objects = (body: Body): Array<[string[], Body]> => {
    const found: Array<[string[], Body]> = [[[], body]];
    for (const [key, value] of Object.entries(body)) {
      if (value && typeof value === 'object' && !Array.isArray(value)) {
        for (const [path, inner] of objects(value as Body)) found.push([[key, ...path], inner]);
      }
    }
    return found;
  };
  const at = (body: Body, path: string[]) => path.reduce((o, k) => o[k] as Body, body);
  for (const [path, object] of objects(valid)) {
    for (const key of Object.keys(object)) {
      mutate((copy) => delete at(copy, path)[key]);
      for (const value of WRONG_VALUES) mutate((copy) => (at(copy, path)[key] = value));
    }
    mutate((copy) => (at(copy, path)['unknown.member'] = 'x'));
    mutate((copy) => (at(copy, path)['unknown.member'] = { nested: true }));
  }
  for (const member of ['params', 'qoeData', 'customMetadata']) {
    mutate((copy) => (copy[member] = { 'media.state.name': 'x', custom_key: 'v' }));
    mutate((copy) => (copy[member] = {}));
  }
  mutate((copy) => (copy.customMetadata = { 'bad key': 'v' }));
  mutate(
    (copy) => (copy.qoeData = { 'media.qoe.errorID': 'E1', 'media.qoe.errorSource': 'external' }),
  );
  mutate((copy) => (copy.qoeData = { 'media.qoe.errorSource': 'elsewhere' }));
  return bodies;
}

describe('JSON Schemas served at /api/v1/schemas agree with the request validator', () => {
  for (const type of EVENT_TYPES) {
    it(`C3: ${type}: a body the validator accepts validates against the schema, and a rejected one does not`, async () => {
      const schema = schemaOf[type];
      const bodies = corpus(type);
      let accepted = 0;
      for (const body of bodies) {
        const expected =
          (await validatorAccepts(type, body)) ||
          (type === 'sessionStart' && (await onlyBreaksMediaLength(body)));
        if (expected) accepted += 1;
        expect({ body, schemaAccepts: schema(body) }).toEqual({ body, schemaAccepts: expected });
      }
      // The corpus must exercise both answers, or the agreement proves nothing.
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(bodies.length);
    });
  }

  it('C2: the one rule JSON Schema cannot state (on-demand playhead within media.length) is described', async () => {
    const body = aSessionStart({ playerTime: { playhead: 61 } });
    expect(await validatorAccepts('sessionStart', body)).toBe(false);
    expect(schemaOf.sessionStart(body)).toBe(true);
    expect(eventJsonSchema('sessionStart').description).toContain('media.length');
  });

  it('C2: the live playhead limit is in the schema', async () => {
    const live = aSessionStart({
      params: { 'media.contentType': 'Live' },
      playerTime: { playhead: 86_400 },
    });
    expect(await validatorAccepts('sessionStart', live)).toBe(false);
    expect(schemaOf.sessionStart(live)).toBe(false);
  });
});

describe('the compiled fast path agrees with the class-validator DTOs', () => {
  const fastAccepts = (type: EventType, body: unknown) =>
    type === 'sessionStart' ? SessionStartBody.accepts(body) : EventBody.accepts(body);

  for (const type of EVENT_TYPES) {
    it(`C1, C3: ${type}: the fast check accepts exactly the bodies the DTOs accept`, async () => {
      const bodies = corpus(type);
      let accepted = 0;
      for (const body of bodies) {
        const expected = await validatorAccepts(type, body);
        if (expected) accepted += 1;
        expect({ body, fastAccepts: fastAccepts(type, body) }).toEqual({
          body,
          fastAccepts: expected,
        });
      }
      expect(accepted).toBeGreaterThan(0);
      expect(accepted).toBeLessThan(bodies.length);
    });
  }

  it('C3: a body of one event type relabelled as every other type gets the same answer from both', async () => {
    let compared = 0;
    for (const from of EVENT_TYPES) {
      for (const to of SESSION_EVENT_TYPES) {
        const body = { ...corpus(from)[0], eventType: to };
        expect({ from, to, fast: EventBody.accepts(body) }).toEqual({
          from,
          to,
          fast: await validatorAccepts(to, body),
        });
        compared += 1;
      }
    }
    expect(compared).toBe(EVENT_TYPES.length * SESSION_EVENT_TYPES.length);
    // sessionStart is never an event of an open session.
    expect(EventBody.accepts(aSessionStart())).toBe(false);
  });

  it('C2: the playhead must stay within media.length for on-demand content, below 86400 for live', () => {
    expect(SessionStartBody.accepts(aSessionStart({ playerTime: { playhead: 60 } }))).toBe(true);
    expect(SessionStartBody.accepts(aSessionStart({ playerTime: { playhead: 61 } }))).toBe(false);
    const live = (playhead: number) =>
      aSessionStart({ params: { 'media.contentType': 'Live' }, playerTime: { playhead } });
    expect(SessionStartBody.accepts(live(86_399))).toBe(true);
    expect(SessionStartBody.accepts(live(86_400))).toBe(false);
  });

  it('C7: a downloaded session is accepted at once only when every element is', () => {
    const start = aSessionStart();
    const play = anEvent('play');
    expect(DownloadedSessionBody.accepts(start, 0)).toBe(true);
    expect(DownloadedSessionBody.accepts(play, 1)).toBe(true);
    expect(DownloadedSessionBody.accepts(play, 0)).toBe(false);
    expect(DownloadedSessionBody.accepts(start, 1)).toBe(false);
  });
});
