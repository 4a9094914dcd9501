import { describe, expect, it } from 'vitest';
import {
  MAX_JSON_DEPTH,
  MAX_KEYS_PER_OBJECT,
  jsonShapeProblem as sut,
} from '../../src/common/http/json-shape.js';

/** `levels` containers nested in one another, objects or arrays, with a string innermost. */
function nested(levels: number, kind: 'object' | 'array' = 'object'): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < levels; i += 1) value = kind === 'object' ? { child: value } : [value];
  return value;
}

function objectWithKeys(count: number): Record<string, number> {
  return Object.fromEntries(Array.from({ length: count }, (_, i) => [`k${i}`, i]));
}

describe('jsonShapeProblem (C1)', () => {
  it('C1: a number JSON cannot write back (1e400 parses to Infinity) is refused wherever it is', () => {
    expect(sut(JSON.parse('{"params":{"x":1e400}}'))).toMatch(/params\.x .*finite/);
    expect(sut(JSON.parse('{"params":{"x":[-1e400]}}'))).toMatch(/params\.x\[0\]/);
    expect(sut(JSON.parse('{"params":{"x":1e308,"y":-0,"z":5e-324}}'))).toBeUndefined();
  });

  it('C1: the limits are 1000 keys and a depth the contract needs (a downloaded batch)', () => {
    expect(MAX_KEYS_PER_OBJECT).toBe(1000);
    // array > event > params > visitor.customerIDs > one id object: five containers.
    expect(MAX_JSON_DEPTH).toBeGreaterThanOrEqual(5);
    expect(MAX_JSON_DEPTH).toBeLessThanOrEqual(8);
  });

  it.each([null, 0, 'text', true])('C1: a primitive %j has no problem', (value) => {
    expect(sut(value)).toBeUndefined();
  });

  it('C1: the deepest legitimate body (a downloaded batch with customer ids) passes', () => {
    const batch = JSON.parse(
      '[{"playerTime":{"playhead":0,"ts":1},"eventType":"sessionStart",' +
        '"params":{"visitor.customerIDs":{"email":{"id":"a","authState":1}}}}]',
    ) as unknown;
    expect(sut(batch)).toBeUndefined();
  });

  it.each(['object', 'array'] as const)(
    'C1: %s containers nested to the limit pass, one more is refused',
    (kind) => {
      expect(sut(nested(MAX_JSON_DEPTH, kind))).toBeUndefined();
      expect(sut(nested(MAX_JSON_DEPTH + 1, kind))).toMatch(/deeper/);
    },
  );

  it('C1: depth counts mixed arrays and objects', () => {
    expect(sut({ a: [{ b: [{ c: [{}] }] }] })).toMatch(/deeper/);
    expect(sut({ a: [{ b: [{ c: 'x' }] }] })).toBeUndefined();
  });

  it('C1: a very deep document is refused without exhausting the stack', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(sut(deep)).toMatch(/deeper/);
  });

  it('C1: an object with 1000 keys passes, 1001 is refused', () => {
    expect(sut(objectWithKeys(1000))).toBeUndefined();
    expect(sut(objectWithKeys(1001))).toMatch(/1000/);
  });

  it('C1: a nested object with 1001 keys is refused', () => {
    expect(sut({ params: objectWithKeys(1001) })).toMatch(/1000/);
    expect(sut([{ params: objectWithKeys(1001) }])).toMatch(/1000/);
  });

  it('C1: many keys spread over several objects are fine', () => {
    expect(sut({ a: objectWithKeys(1000), b: objectWithKeys(1000) })).toBeUndefined();
  });

  it.each(['__proto__', 'constructor', 'prototype'])(
    'C1: the member name %s is refused at the top level and nested',
    (key) => {
      // JSON.parse makes "__proto__" an own member, as the body parser does.
      const top = JSON.parse(`{"${key}":{"polluted":true}}`) as unknown;
      const deep = JSON.parse(`{"params":{"x":[{"${key}":1}]}}`) as unknown;
      expect(sut(top)).toContain(key);
      expect(sut(deep)).toContain(key);
    },
  );

  it('C1: member names that only resemble reserved ones pass', () => {
    expect(sut({ proto: 1, __proto: 2, Constructor: 3, 'media.prototype': 4 })).toBeUndefined();
  });

  it('C1/C6: the path a problem names is cut to 128 characters, however long the member names', () => {
    const name = 'n'.repeat(60_000);
    expect(sut({ params: { [name]: 'a\u0000b' } })).toBe(
      `the string at params.${'n'.repeat(120)}… holds a NUL character or invalid UTF-16`,
    );
    expect(sut({ [name]: { [name]: [Infinity] } })).toBe(
      `the number at ${'n'.repeat(127)}… is too large for a finite number`,
    );
  });

  it('C1: a problem deep in a long array is named by its index', () => {
    const items: unknown[] = Array.from({ length: 100_000 }, () => ({}));
    items[99_999] = { params: { x: 'bad\ud800' } };
    expect(sut(items)).toBe(
      'the string at [99999].params.x holds a NUL character or invalid UTF-16',
    );
    expect(sut([{ a: { 'bad\u0000name': 1 } }])).toBe(
      'a member name in [0].a holds a NUL character or invalid UTF-16',
    );
  });
});
