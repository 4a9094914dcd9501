import { describe, expect, it } from 'vitest';
import { EVENT_ROW_BYTES, eventTexts } from '../../src/sessions/event-texts.js';

describe('eventTexts (C3 SESSION_MAX_BYTES counts stored bytes)', () => {
  it('an event without members counts its row only, and its members are JSON null', () => {
    expect(eventTexts({})).toEqual({
      params: 'null',
      qoeData: 'null',
      customMetadata: 'null',
      bytes: EVENT_ROW_BYTES,
    });
  });

  it('counts UTF-8 bytes, not characters: a CJK character is three', () => {
    const texts = eventTexts({ params: { a: '中'.repeat(10) }, qoeData: { b: 1 } });
    expect(texts.params).toBe(`{"a":"${'中'.repeat(10)}"}`);
    // {"a":""} is 8 bytes, ten CJK characters 30, {"b":1} 7.
    expect(texts.bytes).toBe(EVENT_ROW_BYTES + 8 + 30 + 7);
  });
});
