import { describe, expect, it } from 'vitest';
import { MAX_LOGGED_STRING, logSafe as sut } from '../../src/common/logging/log-safe.js';

/** What a log line would carry for `value`, as one JSON text. */
const logged = (value: unknown): string => JSON.stringify(sut(value));

describe('logSafe (C6: details go to the log; a client string cannot forge a line or a field)', () => {
  describe('strings', () => {
    it('C6: the cut is at 300 characters', () => {
      expect(MAX_LOGGED_STRING).toBe(300);
    });

    it.each([
      ['empty', ''],
      ['short', 'GET /api/v1/sessions'],
      ['exactly 300 characters', 'a'.repeat(300)],
    ])('C6: a %s string is kept as it is', (_kind, value) => {
      expect(sut(value)).toBe(value);
    });

    it('C6: a 301-character string is cut to 300 with how much was cut', () => {
      expect(sut(`${'a'.repeat(300)}b`)).toBe(`${'a'.repeat(300)}…(1 more)`);
    });

    it('C6: a 5,000-character string is cut to 300 with "…(4700 more)"', () => {
      const value = `${'x'.repeat(299)}yz${'z'.repeat(4_699)}`;
      const result = sut(value) as string;
      expect(result).toBe(`${'x'.repeat(299)}y…(4700 more)`);
      expect(result.length).toBe(300 + '…(4700 more)'.length);
    });

    it('C6: a 1 MB string costs a log line about 300 characters', () => {
      expect(logged('q'.repeat(1 << 20)).length).toBeLessThan(330);
    });

    it('C6: control characters are kept as data and leave as JSON escapes, never raw', () => {
      const hostile = 'a\nb\rc\u001b[31md\u0000e\u2028f","level":"fatal","msg":"x';
      expect(sut(hostile)).toBe(hostile);
      const line = logged({ url: hostile });
      for (const raw of ['\n', '\r', '\u001b', '\u0000']) expect(line).not.toContain(raw);
      expect(JSON.parse(line)).toEqual({ url: hostile });
      expect(Object.keys(JSON.parse(line) as object)).toEqual(['url']);
    });

    it('C6: a cut through a surrogate pair still makes valid JSON', () => {
      const line = logged(`${'x'.repeat(299)}😀${'y'.repeat(100)}`);
      expect(() => JSON.parse(line) as unknown).not.toThrow();
      expect((JSON.parse(line) as string).startsWith('x'.repeat(299))).toBe(true);
    });
  });

  describe('other scalars', () => {
    it.each([
      ['a number', 42.5],
      ['zero', 0],
      ['a boolean', false],
      ['null', null],
      ['undefined', undefined],
      ['a bigint', 10n],
    ])('C6: %s is kept as it is', (_kind, value) => {
      expect(sut(value)).toBe(value);
    });
  });

  describe('errors', () => {
    it('C6: an Error is "Name: message", without its stack', () => {
      expect(sut(new TypeError('bad thing'))).toBe('TypeError: bad thing');
      expect(sut(Object.assign(new Error('x'), { name: 'QueryFailedError' }))).toBe(
        'QueryFailedError: x',
      );
      expect(logged({ error: new Error('boom') })).not.toMatch(/\bat /);
    });

    it('C6: a long error message is cut like any string', () => {
      const result = sut(new Error('m'.repeat(1_000))) as string;
      expect(result).toBe(`Error: ${'m'.repeat(293)}…(707 more)`);
    });
  });

  describe('objects and arrays', () => {
    it('C6: strings inside objects and arrays are cut, keys included', () => {
      const long = 'L'.repeat(400);
      expect(sut({ url: long, list: [long], [long]: 1 })).toEqual({
        url: `${'L'.repeat(300)}…(100 more)`,
        list: [`${'L'.repeat(300)}…(100 more)`],
        [`${'L'.repeat(300)}…(100 more)`]: 1,
      });
    });

    it('C6: at most 30 keys of an object are kept', () => {
      const wide = Object.fromEntries(Array.from({ length: 1_000 }, (_, i) => [`k${i}`, i]));
      const result = sut(wide) as Record<string, number>;
      expect(Object.keys(result)).toEqual(Array.from({ length: 30 }, (_, i) => `k${i}`));
    });

    it('C6: at most 30 items of an array are kept', () => {
      const result = sut(Array.from({ length: 10_000 }, (_, i) => i)) as number[];
      expect(result).toEqual(Array.from({ length: 30 }, (_, i) => i));
    });

    it('C6: nesting is cut at depth 3 with "[object]"', () => {
      expect(sut({ a: { b: { c: { d: 1 } } } })).toEqual({ a: { b: { c: '[object]' } } });
      expect(sut([[[[1]]]])).toEqual([[['[object]']]]);
      expect(sut({ a: { b: { c: 'kept' } } })).toEqual({ a: { b: { c: 'kept' } } });
    });

    it('C6: a cyclic object is logged without looping', () => {
      const cyclic: Record<string, unknown> = { name: 'loop' };
      cyclic.self = cyclic;
      expect(sut(cyclic)).toEqual({
        name: 'loop',
        self: { name: 'loop', self: { name: 'loop', self: '[object]' } },
      });
    });

    it('C6: an Error inside an object is "Name: message"', () => {
      expect(sut({ requestId: 'r1', error: new RangeError('out') })).toEqual({
        requestId: 'r1',
        error: 'RangeError: out',
      });
    });

    it('C6: the value given is not changed', () => {
      const value = { url: 'u'.repeat(500), nested: { list: Array.from({ length: 40 }, () => 1) } };
      const before = structuredClone(value);
      sut(value);
      expect(value).toEqual(before);
    });

    it('C6: a huge object costs a bounded log line', () => {
      const huge = Object.fromEntries(
        Array.from({ length: 500 }, (_, i) => [
          `key${i}`,
          Array.from({ length: 500 }, () => ({ s: 's'.repeat(5_000), deeper: { more: {} } })),
        ]),
      );
      // 30 keys × 30 items × (a 300-character string and a little more).
      expect(logged(huge).length).toBeLessThan(30 * 30 * 400);
    });
  });
});
