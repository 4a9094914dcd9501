import { describe, expect, it } from 'vitest';
import { SESSION_ID_PATTERN, newSessionId as sut } from '../../src/media/session-id.js';

describe('session ids (C2)', () => {
  it('C2: a session id is 64 lowercase hex characters', () => {
    const id = sut();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(SESSION_ID_PATTERN.test(id)).toBe(true);
  });

  it('C2: the id pattern refuses upper case, short and long ids', () => {
    const id = sut();
    expect(SESSION_ID_PATTERN.test(id.toUpperCase().replace(/[0-9]/g, 'A'))).toBe(false);
    expect(SESSION_ID_PATTERN.test(id.slice(1))).toBe(false);
    expect(SESSION_ID_PATTERN.test(`${id}0`)).toBe(false);
  });

  it('C2: 1000 ids are all distinct', () => {
    const ids = Array.from({ length: 1000 }, () => sut());
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(1000);
  });

  it('C2: ids look random at every position (not a counter, clock or hash of input)', () => {
    // With 1000 random ids, a hex digit missing at some position has probability ~1e-25.
    const ids = Array.from({ length: 1000 }, () => sut());
    for (let position = 0; position < 64; position += 1) {
      const digits = new Set(ids.map((id) => id[position]));
      expect(digits.size, `position ${position}`).toBe(16);
    }
  });
});
