import { EVENT_CATALOGUE, type EventType } from '../../src/media/event-catalogue.js';
import { type ObjectSpec, type ParamSpec } from '../../src/media/param-spec.js';
import { QOE_PARAMS } from '../../src/media/qoe-params.js';
import { CONTRACT_EVENT_TYPES, aSessionStart, anEvent } from './factories.js';

/**
 * Deterministic request bodies for the fuzz scenario (test/faults/fuzz.faults-spec.ts): valid
 * bodies of every event type and what a careless, broken or hostile client makes of them. The same
 * seed gives the same bodies, in the same order (only session ids, which the service draws, differ).
 */

/** mulberry32: small, fast, and the same sequence for a seed on every platform. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** 0 <= n < max */
  int(max: number): number {
    return Math.floor(this.next() * max);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  weighted<T>(table: ReadonlyArray<readonly [number, T]>): T {
    let total = 0;
    for (const [weight] of table) total += weight;
    let r = this.next() * total;
    for (const [weight, value] of table) {
      r -= weight;
      if (r < 0) return value;
    }
    return table[table.length - 1][1];
  }

  hex(bytes: number): string {
    let out = '';
    for (let i = 0; i < bytes; i += 1) out += this.int(256).toString(16).padStart(2, '0');
    return out;
  }
}

/** JSON text spliced in as is: numbers JSON.stringify cannot write (-0, 1e400, 2^53 + 1), deep nests. */
export class Raw {
  constructor(readonly text: string) {}
}

/** An object written with its members in this order, duplicate names included. */
export class Entries {
  constructor(readonly pairs: ReadonlyArray<readonly [string, unknown]>) {}
}

type Obj = Record<string, unknown>;

const isObj = (value: unknown): value is Obj =>
  value !== null &&
  typeof value === 'object' &&
  !Array.isArray(value) &&
  !(value instanceof Raw) &&
  !(value instanceof Entries);

/** Sets an own, enumerable member even when its name is `__proto__`. */
export function setOwn(target: Obj, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  });
}

/** JSON text of a tree that may hold Raw and Entries nodes. Strings go through JSON.stringify,
 *  which writes a lone surrogate as the escape `\ud800`. */
export function toJsonText(value: unknown): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Entries) {
    return `{${value.pairs.map(([k, v]) => `${JSON.stringify(k)}:${toJsonText(v)}`).join(',')}}`;
  }
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(',')}]`;
  if (isObj(value)) {
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${toJsonText(value[k])}`)
      .join(',')}}`;
  }
  if (value === undefined) return 'null';
  return JSON.stringify(value);
}

/** A deep copy that keeps own `__proto__` members and Raw/Entries nodes. */
function clone<T>(value: T): T {
  if (Array.isArray(value)) return value.map(clone) as T;
  if (isObj(value)) {
    const copy: Obj = {};
    for (const key of Object.keys(value)) setOwn(copy, key, clone(value[key]));
    return copy as T;
  }
  return value;
}

interface Slot {
  readonly parent: Obj | unknown[];
  readonly key: string | number;
  readonly path: string;
}

/** Every member and item of a tree, with its JSON path. */
function slots(root: unknown, path = '$', out: Slot[] = []): Slot[] {
  if (Array.isArray(root)) {
    root.forEach((item, index) => {
      out.push({ parent: root, key: index, path: `${path}[${index}]` });
      slots(item, `${path}[${index}]`, out);
    });
  } else if (isObj(root)) {
    for (const key of Object.keys(root)) {
      out.push({ parent: root, key, path: `${path}.${key}` });
      slots(root[key], `${path}.${key}`, out);
    }
  }
  return out;
}

/** Every object of a tree (the root included when it is one). */
function objects(root: unknown, out: Obj[] = []): Obj[] {
  if (Array.isArray(root)) root.forEach((item) => objects(item, out));
  else if (isObj(root)) {
    out.push(root);
    for (const key of Object.keys(root)) objects(root[key], out);
  }
  return out;
}

const read = (slot: Slot): unknown =>
  Array.isArray(slot.parent) ? slot.parent[slot.key as number] : slot.parent[slot.key as string];

function write(slot: Slot, value: unknown): void {
  if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else setOwn(slot.parent, slot.key as string, value);
}

function remove(slot: Slot): void {
  if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
  else delete slot.parent[slot.key as string];
}

// ---------------------------------------------------------------------------------------------
// Pools

export const SQL_AND_QUOTES = [
  "'; DROP TABLE sessions; --",
  "' OR '1'='1",
  '" OR ""="',
  '$1',
  '\\',
  '%_%',
  '’‘“”',
];

/** Member names a careless validator might find on Object.prototype, and other odd names. */
const KEY_POOL = [
  'toString',
  'valueOf',
  'hasOwnProperty',
  'isPrototypeOf',
  'propertyIsEnumerable',
  'toLocaleString',
  '__defineGetter__',
  '__lookupSetter__',
  'then',
  'length',
  '0',
  '',
  ' ',
  'a b',
  'x.y',
  'é',
  '🎬',
  'media.id',
  'media.length',
  'media.ad.id',
  'media.qoe.bitrate',
  'media.state.name',
  'statesStart',
  'params',
  'eventType',
  'playerTime',
  'qoeData',
  'customMetadata',
  'playhead',
  'ts',
  'sessionId',
  'k'.repeat(300),
];

export const RESERVED_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

const EDGE_NUMBERS = [
  '-0',
  '0.0',
  '-0.0',
  '1e400',
  '-1e400',
  '9007199254740993',
  '-9007199254740993',
  '18446744073709551616',
  '1e308',
  '5e-324',
  '1E+2',
  '1.7976931348623157e308',
  '0.1',
  '-1',
  '123456789012345678901234567890',
  '1e-400',
];

const EDGE_STRINGS = [
  '',
  ' ',
  '\t',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '-0',
  'null',
  'undefined',
  'true',
  '0x10',
  '１２',
  'é',
  '🎬🎞️',
  '\u2028\u2029',
  '\u00a0',
  '\ufeff',
  '\\u0000',
  'a'.repeat(4096),
  ...SQL_AND_QUOTES,
];

/** A value of any JSON type, odd ones preferred. `eventTypes`: the event names it may produce. */
function anyValue(rng: Rng, eventTypes: readonly string[]): unknown {
  switch (rng.int(10)) {
    case 0:
      return rng.pick([null, true, false]);
    case 1:
      return new Raw(rng.pick(EDGE_NUMBERS));
    case 2:
      return rng.pick([0, -1, 1.5, 42, 1e12, -0.001]);
    case 3:
    case 4:
      return rng.pick(EDGE_STRINGS);
    case 5:
      return rng.pick(eventTypes);
    case 6:
      return rng.pick([[], [1, 'a', null], [{}], [[[]]], [{ 'media.state.name': 'x' }]]);
    case 7:
      return rng.pick([{}, { a: 1 }, { 'media.state.name': 'mute' }, { id: 'x', authState: 1 }]);
    case 8:
      return 'x'.repeat(rng.int(3000));
    default:
      return rng.int(1_000_000) - 500;
  }
}

// ---------------------------------------------------------------------------------------------
// Valid bodies

const TS0 = 1_700_000_000_000;

/** Event types a session that must stay open may receive (no sessionEnd). */
export const OPEN_EVENT_TYPES = CONTRACT_EVENT_TYPES.filter((type) => type !== 'sessionEnd');

const CUSTOM_METADATA_TYPES = new Set(['adStart', 'chapterStart']);

// The factories share nested constants (statesUpdate's lists): every base body is a deep copy.
function sessionStartBody(rng: Rng, ts: number): Obj {
  const body = clone(aSessionStart({ playerTime: { ts, playhead: 0 } }));
  if (rng.chance(0.3)) delete body.customMetadata;
  if (rng.chance(0.3)) delete body.qoeData;
  if (rng.chance(0.2)) {
    (body.params as Obj)['media.contentType'] = rng.pick(['live', 'Linear', 'VOD', 'audiobook']);
  }
  return body;
}

function eventBody(rng: Rng, type: string, ts: number): Obj {
  const body = clone(anEvent(type, { playerTime: { ts, playhead: rng.int(6000) / 100 } }));
  if (rng.chance(0.3)) body.qoeData = { 'media.qoe.bitrate': rng.int(9000), 'player.x': 'y' };
  if (CUSTOM_METADATA_TYPES.has(type) && rng.chance(0.5)) body.customMetadata = { k: 'v' };
  return body;
}

function downloadedBody(rng: Rng, ts: number): unknown[] {
  const events: unknown[] = [sessionStartBody(rng, ts)];
  const count = rng.int(9);
  for (let i = 1; i <= count; i += 1) {
    events.push(eventBody(rng, rng.pick(CONTRACT_EVENT_TYPES), ts + i * 1000));
  }
  return events;
}

// ---------------------------------------------------------------------------------------------
// Cases

export type FuzzRoute = 'sessions' | 'events' | 'downloaded';

export interface FuzzTargets {
  /** Sessions that stay open for the whole run: they never get a sessionEnd. */
  readonly openSids: readonly string[];
  /** Sessions that may be closed by the run (they get the sessionEnd bodies). */
  readonly closingSids: readonly string[];
  readonly bodyLimit: number;
  readonly downloadedBodyLimit: number;
  /** A member name placed only inside `__proto__`/`constructor`/`prototype` objects. */
  readonly marker: string;
}

export interface FuzzCase {
  readonly index: number;
  readonly route: FuzzRoute;
  readonly path: string;
  readonly contentType: string | null;
  readonly body: Buffer;
  /** The generator that made it. */
  readonly kind: string;
  /** What the generator changed, when it says (for the report). */
  readonly note?: string;
  /** The statuses the contract allows for exactly this case; undefined: any client-error outcome. */
  readonly expect?: readonly number[];
}

interface Draft {
  route: FuzzRoute;
  sid?: string;
  /** The events route's sid kind: an open session, a closing one, or another id. */
  sidKind?: 'open' | 'closing' | 'other';
  tree: unknown;
  contentType: string | null;
  kind: string;
  note?: string;
  expect?: readonly number[];
  /** The body as bytes, when a generator writes them itself. */
  bytes?: Buffer;
}

const ACCEPTED_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json;charset=UTF-8',
  'Application/JSON',
  'application/json; charset="utf-8"',
  'text/plain',
  'text/plain;charset=UTF-8',
];

const REFUSED_TYPES: ReadonlyArray<string | null> = [
  null,
  'application/json; charset=latin1',
  'application/json; charset=iso-8859-1',
  'text/plain; charset=utf-16',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=----fuzzboundary',
  'multipart/form-data',
  'application/octet-stream',
  'text/html',
  'text/xml',
  'application/xml',
  'application/jsonx',
  'application/json-patch+json',
  'application/x-json-stream',
  'image/png',
];

const INVALID_UTF8: ReadonlyArray<readonly number[]> = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0x80],
  [0xc1, 0xbf],
  [0xed, 0xa0, 0x80],
  [0xed, 0xbf, 0xbf],
  [0x80],
  [0xbf, 0xbf],
  [0xe2, 0x82],
  [0xf0, 0x9f, 0x8e],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
];

/** Ways of writing a sid in the path that name no session; `expect` for a valid body. */
function otherSid(rng: Rng, targets: FuzzTargets): { sid: string; expect: readonly number[] } {
  const real = rng.pick(targets.openSids);
  switch (rng.int(12)) {
    case 0:
    case 1:
      return { sid: rng.hex(32), expect: [404] };
    case 2:
      return { sid: real.toUpperCase(), expect: [404] };
    case 3:
      return {
        sid: rng.pick([real.slice(1), `${real}0`, '0'.repeat(64), 'g'.repeat(64)]),
        expect: [404],
      };
    case 4:
      return {
        sid: rng.pick(['null', 'undefined', '0', '-1', '.', '..', '%2e%2e', 'NaN']),
        expect: [404],
      };
    case 5:
      return {
        sid: rng.pick([`${real}%2F`, `a%2Fb`, '%00', '%20', `${real}%00`, '%0d%0a']),
        expect: [404],
      };
    case 6:
      return {
        sid: encodeURIComponent(rng.pick([...SQL_AND_QUOTES, '🎬', 'é', '\u2028'])),
        expect: [404],
      };
    case 7:
      // Malformed percent-encoding: a bad URL (400) or an unknown sid (404), in the C6 envelope.
      return {
        sid: rng.pick(['%', '%ff', '%E0%A4%A', '%zz', `${real}%`, '%c0%80', '%ed%a0%80']),
        expect: [400, 404],
      };
    case 8:
      // Longer than any id: C3 says 404; 414 is a fair answer for a path this long, in the envelope.
      return { sid: rng.hex(rng.pick([51, 100, 500])), expect: [404, 414] };
    case 9:
      return { sid: `${real}${rng.pick(['?x=1', '?', '#frag', ';x'])}`, expect: [204, 404] };
    default:
      return { sid: rng.hex(32), expect: [404] };
  }
}

const pathOf = (draft: Draft): string => {
  if (draft.route === 'sessions') return '/api/v1/sessions';
  if (draft.route === 'downloaded') return '/api/v1/downloaded';
  return `/api/v1/sessions/${draft.sid}/events`;
};

/** The statuses a valid body gets on this draft's route. */
function validOutcome(draft: Draft): readonly number[] {
  if (draft.route !== 'events') return [201];
  if (draft.sidKind === 'open') return [204];
  if (draft.sidKind === 'closing') return [204, 410];
  return [404];
}

/** Known, typed members of a body and values of the wrong type for each. */
function typedMembers(eventType: string): Array<{ slotPath: string[]; wrong: unknown[] }> {
  const members: Array<{ slotPath: string[]; wrong: unknown[] }> = [
    {
      slotPath: ['playerTime', 'playhead'],
      wrong: ['0', -1, null, true, [], {}, new Raw('1e400'), 'NaN'],
    },
    {
      slotPath: ['playerTime', 'ts'],
      wrong: [
        '1',
        1.5,
        0,
        -1,
        null,
        false,
        [],
        new Raw('9007199254740993'),
        new Raw('1e400'),
        new Raw('-0'),
      ],
    },
    { slotPath: ['playerTime'], wrong: [null, [], 'x', 1, {}, { playhead: 0 }, { ts: TS0 }] },
    {
      slotPath: ['eventType'],
      wrong: [1, null, [], {}, true, '', ' play', 'PLAY', 'sessionstart'],
    },
  ];
  const rules = EVENT_CATALOGUE[eventType as EventType];
  for (const [key, spec] of Object.entries(rules.params)) {
    members.push({ slotPath: ['params', key], wrong: wrongValuesFor(spec) });
  }
  for (const [key, spec] of Object.entries(QOE_PARAMS)) {
    members.push({ slotPath: ['qoeData', key], wrong: wrongValuesFor(spec) });
  }
  members.push({ slotPath: ['qoeData', 'player.other'], wrong: [{}, [], [1], { a: 'b' }] });
  members.push({ slotPath: ['qoeData'], wrong: ['x', 1, [], true] });
  if (rules.customMetadata) {
    members.push({ slotPath: ['customMetadata', 'k'], wrong: [1, true, null, {}, [], 1.5] });
    members.push({ slotPath: ['customMetadata', 'bad key!'], wrong: ['v'] });
    members.push({ slotPath: ['customMetadata'], wrong: ['x', 1, [], [{ k: 'v' }]] });
  } else {
    members.push({ slotPath: ['customMetadata'], wrong: [{ k: 'v' }, {}] });
  }
  members.push({ slotPath: ['params'], wrong: ['x', 1, [], true, [{}]] });
  if (eventType === 'statesUpdate') {
    members.push({
      slotPath: ['params', 'statesStart'],
      wrong: [
        [{ 'media.state.name': 'bad name!' }],
        [{ 'media.state.name': 1 }],
        [{}],
        [1],
        [{ x: 'y', 'media.state.name': 'a' }],
      ],
    });
  }
  return members;
}

function wrongValuesFor(spec: ParamSpec): unknown[] {
  switch (spec.type) {
    case 'string':
      return [
        0,
        1.5,
        true,
        [],
        {},
        ['a'],
        { a: 'b' },
        ...(spec.minLength ? [''] : []),
        ...(spec.enum ? ['both', `${spec.enum[0]} `, spec.enum[0].toUpperCase()] : []),
        ...(spec.pattern ? ['a b', '', 'x'.repeat(65), 'é'] : []),
      ];
    case 'number':
      return [
        '1',
        'NaN',
        '',
        true,
        [],
        {},
        new Raw('1e400'),
        new Raw('-1e400'),
        ...(spec.minimum !== undefined ? [spec.minimum - 1] : []),
        ...(spec.exclusiveMinimum !== undefined ? [spec.exclusiveMinimum, new Raw('-0')] : []),
      ];
    case 'integer':
      return [
        1.5,
        '1',
        true,
        [],
        {},
        new Raw('1e400'),
        ...(spec.minimum !== undefined ? [spec.minimum - 1] : []),
        ...(spec.maximum !== undefined ? [spec.maximum + 1] : []),
      ];
    case 'boolean':
      return ['true', 'false', 0, 1, [], {}];
    case 'map':
      return [
        'x',
        1,
        [],
        true,
        { a: { id: 1, authState: 0 } },
        { a: { id: 'x', authState: 3 } },
        { a: 'x' },
      ];
    case 'array':
      return ['x', 1, {}, true, [1], [{ 'media.state.name': 1 }]];
  }
}

/** Puts a wrong-typed value in a typed member (adding it if needed); returns `path = value`. */
function wrongTypeMutation(rng: Rng, body: Obj): string {
  const eventType = typeof body.eventType === 'string' ? body.eventType : 'play';
  const members = typedMembers(eventType);
  const member = rng.pick(members);
  let parent: Obj = body;
  for (const step of member.slotPath.slice(0, -1)) {
    if (!isObj(parent[step])) setOwn(parent, step, {});
    parent = parent[step] as Obj;
  }
  const value = clone(rng.pick(member.wrong));
  setOwn(parent, member.slotPath[member.slotPath.length - 1], value);
  return `${member.slotPath.join('.')} = ${toJsonText(value).slice(0, 80)}`;
}

/** One structured change: drop, rename, retype or add a member. */
function mutateOnce(rng: Rng, tree: unknown, eventTypes: readonly string[]): void {
  const all = slots(tree);
  const op = rng.int(4);
  if (op === 3 || all.length === 0) {
    const targets = objects(tree);
    if (targets.length === 0) return;
    setOwn(rng.pick(targets), rng.pick(KEY_POOL), anyValue(rng, eventTypes));
    return;
  }
  const slot = rng.pick(all);
  if (op === 0) {
    remove(slot);
  } else if (op === 1 && !Array.isArray(slot.parent)) {
    const key = slot.key as string;
    const renamed = rng.pick([
      key.toUpperCase(),
      `${key} `,
      ` ${key}`,
      key.replace(/\./g, '_'),
      `${key}x`,
      key.slice(0, -1),
      key.replace(/\./, '..'),
      rng.pick(KEY_POOL),
    ]);
    const value = read(slot);
    remove(slot);
    setOwn(slot.parent, renamed, value);
  } else {
    write(slot, anyValue(rng, eventTypes));
  }
}

function stringSlots(tree: unknown): Slot[] {
  return slots(tree).filter((slot) => typeof read(slot) === 'string');
}

function numberSlots(tree: unknown): Slot[] {
  return slots(tree).filter((slot) => typeof read(slot) === 'number');
}

/** A valid body of `route`, padded (in a free string member) to exactly `size` bytes of JSON. */
function paddedTo(rng: Rng, draft: Draft, size: number): Buffer {
  const padIn = (tree: unknown): Obj => {
    const top = (Array.isArray(tree) ? tree[0] : tree) as Obj;
    if (top.eventType === 'sessionStart') {
      top.customMetadata = { ...(top.customMetadata as Obj), pad: '' };
      return top.customMetadata as Obj;
    }
    top.eventType = 'play';
    delete top.customMetadata;
    top.params = { 'player.pad': '' };
    return top.params as Obj;
  };
  const holder = padIn(draft.tree);
  const key = 'pad' in holder ? 'pad' : 'player.pad';
  const base = Buffer.byteLength(toJsonText(draft.tree));
  holder[key] = rng
    .pick(['x', 'é', '🎬'])
    .repeat(1)
    .padEnd(Math.max(0, size - base), 'y');
  let text = toJsonText(draft.tree);
  // The first character may be multi-byte: trim the ASCII tail to the exact size.
  const over = Buffer.byteLength(text) - size;
  if (over > 0) {
    holder[key] = (holder[key] as string).slice(0, -over);
    text = toJsonText(draft.tree);
  }
  return Buffer.from(text);
}

/** Inserts a member with this name into an object somewhere in the tree. */
function insertReserved(rng: Rng, tree: unknown, marker: string): void {
  const name = rng.pick(RESERVED_KEYS);
  const payload: Obj = {};
  setOwn(payload, marker, 'yes');
  setOwn(payload, 'polluted', 'yes');
  const value =
    name === 'constructor'
      ? { prototype: payload }
      : rng.chance(0.2)
        ? rng.pick([null, 1, 'x', [payload]])
        : payload;
  const where = objects(tree);
  // Make the nested places exist as well: inside a param object and inside a statesUpdate item.
  const holder = rng.pick(where);
  if (rng.chance(0.25)) {
    const inner: Obj = {};
    setOwn(inner, name, value);
    setOwn(holder, rng.pick(['player.obj', 'x', 'statesStart']), rng.chance(0.5) ? inner : [inner]);
    return;
  }
  // Reserved names first or last among the members.
  if (rng.chance(0.5)) {
    const members = Object.keys(holder).map((key) => [key, holder[key]] as const);
    for (const [key] of members) delete holder[key];
    setOwn(holder, name, value);
    for (const [key, v] of members) setOwn(holder, key, v);
  } else {
    setOwn(holder, name, value);
  }
}

function deepText(rng: Rng, levels: number): string {
  return rng.chance(0.5)
    ? `${'['.repeat(levels)}${rng.pick(['', '1', '"x"', '{}'])}${']'.repeat(levels)}`
    : `${'{"a":'.repeat(levels)}${rng.pick(['1', 'null', '{}', '[]'])}${'}'.repeat(levels)}`;
}

export interface FuzzGenerator {
  /** The case of this index: the same seed and index give the same body. */
  next(): FuzzCase;
}

/**
 * The generator of every case. Kinds and their shares of the run:
 * valid 6%, mutation 31%, wrong-type 14%, number-edge 5%, string-edge 4%, proto 5%, deep 2%,
 * huge 3%, invalid-utf8 4%, surrogate-nul 3%, duplicate-key 3%, truncated 4%, content-type 7%,
 * sid 6%, cross-route 3%.
 */
export function fuzzCases(seed: number, targets: FuzzTargets): FuzzGenerator {
  const rng = new Rng(seed);
  let index = 0;
  let hugeDownloaded = 0;

  const KINDS: ReadonlyArray<readonly [number, string]> = [
    [6, 'valid'],
    [31, 'mutation'],
    [14, 'wrong-type'],
    [5, 'number-edge'],
    [4, 'string-edge'],
    [5, 'proto'],
    [2, 'deep'],
    [3, 'huge'],
    [4, 'invalid-utf8'],
    [3, 'surrogate-nul'],
    [3, 'duplicate-key'],
    [4, 'truncated'],
    [7, 'content-type'],
    [6, 'sid'],
    [3, 'cross-route'],
  ];

  function baseDraft(ts: number): Draft {
    const route = rng.weighted<FuzzRoute>([
      [33, 'sessions'],
      [42, 'events'],
      [25, 'downloaded'],
    ]);
    if (route === 'sessions') {
      return { route, tree: sessionStartBody(rng, ts), contentType: 'application/json', kind: '' };
    }
    if (route === 'downloaded') {
      return { route, tree: downloadedBody(rng, ts), contentType: 'application/json', kind: '' };
    }
    if (rng.chance(0.05)) {
      return {
        route,
        sid: rng.pick(targets.closingSids),
        sidKind: 'closing',
        tree: eventBody(rng, rng.pick(CONTRACT_EVENT_TYPES), ts),
        contentType: 'application/json',
        kind: '',
      };
    }
    return {
      route,
      sid: rng.pick(targets.openSids),
      sidKind: 'open',
      tree: eventBody(rng, rng.pick(OPEN_EVENT_TYPES), ts),
      contentType: 'application/json',
      kind: '',
    };
  }

  /** Event names a mutation may write: never sessionEnd into a session that must stay open. */
  const namesFor = (draft: Draft): readonly string[] =>
    draft.sidKind === 'open'
      ? ['sessionStart', ...OPEN_EVENT_TYPES]
      : ['sessionStart', ...CONTRACT_EVENT_TYPES];

  /** The object a per-event mutation works on: the body, or one element of a downloaded array. */
  const someEvent = (draft: Draft): Obj =>
    Array.isArray(draft.tree) ? (rng.pick(draft.tree) as Obj) : (draft.tree as Obj);

  function build(kind: string, draft: Draft): void {
    draft.kind = kind;
    switch (kind) {
      case 'valid':
        draft.expect = validOutcome(draft);
        if (rng.chance(0.15)) draft.contentType = 'text/plain;charset=UTF-8';
        return;
      case 'mutation': {
        const times = 1 + rng.int(3);
        for (let i = 0; i < times; i += 1) mutateOnce(rng, draft.tree, namesFor(draft));
        return;
      }
      case 'wrong-type':
        {
          const event = someEvent(draft);
          const at = Array.isArray(draft.tree) ? `[${draft.tree.indexOf(event)}].` : '';
          draft.note = at + wrongTypeMutation(rng, event);
        }
        draft.expect = draft.sidKind === 'closing' ? [400, 410] : [400];
        return;
      case 'number-edge': {
        const targetsOf = numberSlots(draft.tree);
        const count = 1 + rng.int(2);
        for (let i = 0; i < count && targetsOf.length > 0; i += 1) {
          write(rng.pick(targetsOf), new Raw(rng.pick(EDGE_NUMBERS)));
        }
        return;
      }
      case 'string-edge': {
        const targetsOf = stringSlots(draft.tree).filter(
          (slot) => !(slot.key === 'eventType' && draft.sidKind === 'open'),
        );
        const count = 1 + rng.int(3);
        for (let i = 0; i < count && targetsOf.length > 0; i += 1) {
          write(rng.pick(targetsOf), rng.pick(EDGE_STRINGS));
        }
        return;
      }
      case 'proto':
        insertReserved(rng, draft.tree, targets.marker);
        draft.expect = [400];
        return;
      case 'deep': {
        const limit =
          draft.route === 'downloaded' ? targets.downloadedBodyLimit : targets.bodyLimit;
        const levels = rng.pick([
          7,
          8,
          12,
          64,
          1000,
          10_000,
          draft.route === 'downloaded' ? 100_000 : 10_000,
        ]);
        const text = deepText(rng, levels);
        const whole = rng.chance(0.3) || Buffer.byteLength(text) + 2000 > limit;
        if (whole) {
          draft.bytes = Buffer.from(text);
        } else {
          const event = someEvent(draft);
          const holder = isObj(event.params) ? event.params : event;
          setOwn(holder, rng.pick(['player.deep', 'x', 'statesStart', 'media.id']), new Raw(text));
        }
        // A JSON array on /api/v1/sessions is an offline session, with the larger cap (C1).
        const cap =
          whole && draft.route === 'sessions' && text.startsWith('[')
            ? targets.downloadedBodyLimit
            : limit;
        draft.expect = Buffer.byteLength(text) > cap ? [413] : [400];
        return;
      }
      case 'huge':
        buildHuge(draft);
        return;
      case 'invalid-utf8': {
        const text = Buffer.from(toJsonText(draft.tree));
        const bad = Buffer.from(rng.pick(INVALID_UTF8));
        const shape = rng.int(10);
        if (shape === 0) {
          draft.bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), text]);
        } else if (shape === 1) {
          draft.bytes = Buffer.from(Array.from({ length: 1 + rng.int(200) }, () => rng.int(256)));
        } else {
          // Inside a string value (after an opening quote), or anywhere.
          const quotes: number[] = [];
          for (let i = 0; i < text.length; i += 1) if (text[i] === 0x22) quotes.push(i + 1);
          const at = rng.chance(0.7) && quotes.length > 0 ? rng.pick(quotes) : rng.int(text.length);
          draft.bytes = Buffer.concat([text.subarray(0, at), bad, text.subarray(at)]);
        }
        return;
      }
      case 'surrogate-nul': {
        const bad = rng.pick(['\ud800', '\udfff', '\udc00\ud800', 'a\ud83c', '\u0000', 'x\u0000y']);
        const strings = stringSlots(draft.tree);
        if (rng.chance(0.3) || strings.length === 0) {
          // In a member name.
          const holder = rng.pick(objects(draft.tree));
          setOwn(holder, rng.pick(['', 'k', 'media.x']) + bad, 'v');
        } else {
          const slot = rng.pick(strings);
          write(slot, rng.chance(0.5) ? `${read(slot) as string}${bad}` : bad);
        }
        draft.expect = [400];
        return;
      }
      case 'duplicate-key': {
        const holder = rng.pick(objects(draft.tree));
        const keys = Object.keys(holder);
        if (keys.length === 0) return;
        const key = rng.pick(keys);
        const other = anyValue(rng, namesFor(draft));
        const pairs: Array<readonly [string, unknown]> = keys.map((k) => [k, holder[k]] as const);
        const at = rng.int(pairs.length + 1);
        pairs.splice(at, 0, [key, other]);
        // Replace the object by its Entries form in its parent.
        replaceNode(draft, holder, new Entries(pairs));
        return;
      }
      case 'truncated': {
        const text = Buffer.from(toJsonText(draft.tree));
        draft.bytes = text.subarray(0, rng.int(text.length));
        draft.expect = [400];
        return;
      }
      case 'content-type': {
        if (rng.chance(0.5)) {
          draft.contentType = rng.pick(ACCEPTED_TYPES);
          if (rng.chance(0.5)) mutateOnce(rng, draft.tree, namesFor(draft));
          else draft.expect = validOutcome(draft);
        } else {
          draft.contentType = rng.pick(REFUSED_TYPES);
          if (rng.chance(0.2)) {
            draft.bytes = Buffer.from(
              draft.contentType?.startsWith('multipart')
                ? '------fuzzboundary\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n------fuzzboundary--\r\n'
                : 'playerTime=1&eventType=sessionStart',
            );
          }
          draft.expect = [415];
        }
        return;
      }
      case 'sid': {
        const other = otherSid(rng, targets);
        const wasEvents = draft.route === 'events';
        draft.route = 'events';
        draft.sidKind = 'other';
        draft.sid = other.sid;
        if (!wasEvents) draft.tree = eventBody(rng, rng.pick(OPEN_EVENT_TYPES), TS0 + index);
        if (rng.chance(0.5)) {
          // A body that is wrong as well: the answer names one problem or the other, never a 5xx.
          mutateOnce(rng, draft.tree, namesFor(draft));
          draft.expect = [...new Set([400, ...other.expect])];
        } else {
          draft.expect = other.expect;
        }
        return;
      }
      case 'cross-route': {
        const choice = rng.int(5);
        if (choice === 0) {
          draft.route = 'sessions';
          draft.tree = eventBody(rng, rng.pick(CONTRACT_EVENT_TYPES), TS0 + index);
        } else if (choice === 1) {
          draft.route = 'events';
          draft.sid = rng.pick(targets.openSids);
          draft.sidKind = 'open';
          draft.tree = sessionStartBody(rng, TS0 + index);
        } else if (choice === 2) {
          draft.route = 'downloaded';
          draft.tree = sessionStartBody(rng, TS0 + index);
        } else if (choice === 3) {
          // An offline session on /api/v1/sessions, as Adobe's mobile SDKs send it (C2, C7).
          draft.route = 'sessions';
          draft.tree = [sessionStartBody(rng, TS0 + index)];
          draft.expect = [201];
          return;
        } else {
          draft.route = 'downloaded';
          draft.tree = rng.pick([
            [],
            [eventBody(rng, 'play', TS0 + index)],
            [null],
            [[]],
            'x',
            1,
            null,
          ]);
        }
        draft.expect = [400];
        return;
      }
    }
  }

  function replaceNode(draft: Draft, target: Obj, replacement: unknown): void {
    if (draft.tree === target) {
      draft.tree = replacement;
      return;
    }
    for (const slot of slots(draft.tree)) {
      if (read(slot) === target) {
        write(slot, replacement);
        return;
      }
    }
  }

  function buildHuge(draft: Draft): void {
    const downloaded = draft.route === 'downloaded';
    const limit = downloaded ? targets.downloadedBodyLimit : targets.bodyLimit;
    // Bodies the size of the downloaded cap are few: about 40 in a run.
    const atCap = !downloaded || (hugeDownloaded < 40 && rng.chance(0.06));
    const choice = rng.int(atCap ? 6 : 4);
    if (choice === 0) {
      // Many elements in an unknown param (or many events in a download), under the cap.
      if (downloaded) {
        const tree = draft.tree as unknown[];
        const count = 500 + rng.int(3000);
        for (let i = 0; i < count; i += 1)
          tree.push({ playerTime: { playhead: i, ts: TS0 + index + i + 10 }, eventType: 'ping' });
      } else {
        const event = draft.tree as Obj;
        const holder = isObj(event.params) ? event.params : (event.qoeData = {});
        const count = 1000 + rng.int(9000);
        setOwn(
          holder,
          'player.list',
          Array.from({ length: count }, (_, i) => (rng.chance(0.5) ? i : `s${i}`)),
        );
      }
    } else if (choice === 1) {
      // More than 1,000 members in one object: 400.
      const event = someEvent(draft);
      const big: Obj = {};
      for (let i = 0; i < 1001 + rng.int(500); i += 1) big[`k${i}`] = 'v';
      setOwn(event, rng.pick(['params', 'customMetadata', 'qoeData']), big);
      draft.expect = [400];
    } else if (choice === 2) {
      // A long string in a known string member.
      const strings = stringSlots(draft.tree);
      if (strings.length > 0) {
        write(rng.pick(strings), 'z'.repeat(rng.int(Math.floor(targets.bodyLimit / 2))));
      }
    } else if (choice === 3) {
      // A long member name.
      const holder = rng.pick(objects(draft.tree));
      setOwn(holder, 'n'.repeat(1000 + rng.int(Math.floor(targets.bodyLimit / 4))), 'v');
    } else if (choice === 4) {
      // Exactly at or just under the cap: accepted.
      if (downloaded) hugeDownloaded += 1;
      draft.bytes = paddedTo(rng, draft, limit - rng.int(3));
      draft.expect = validOutcome(draft);
    } else {
      // Over the cap: 413.
      if (downloaded) hugeDownloaded += 1;
      draft.bytes = paddedTo(rng, draft, limit + 1 + rng.int(rng.chance(0.5) ? 16 : 200_000));
      draft.expect = [413];
    }
  }

  return {
    next(): FuzzCase {
      index += 1;
      const ts = TS0 + index * 1000;
      const draft = baseDraft(ts);
      build(rng.weighted(KINDS), draft);
      const body = draft.bytes ?? Buffer.from(toJsonText(draft.tree));
      return {
        index,
        route: draft.route,
        path: pathOf(draft),
        contentType: draft.contentType,
        body,
        kind: draft.kind,
        expect: draft.expect,
        ...(draft.note ? { note: draft.note } : {}),
      };
    },
  };
}

/** The ObjectSpec of sessionStart, for tests that walk every param. */
export const SESSION_START_SPEC: ObjectSpec = EVENT_CATALOGUE.sessionStart.params;
