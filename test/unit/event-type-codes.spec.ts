import { describe, expect, it } from 'vitest';
import { EVENT_TYPE_CODES } from '../../migrations/1764250000000-compact-events.js';
import { EVENT_TYPES } from '../../src/media/event-catalogue.js';

describe('stored event type codes', () => {
  it('every event type of the catalogue has a code: a new type needs a migration that adds one', () => {
    const missing = EVENT_TYPES.filter((type) => !EVENT_TYPE_CODES.includes(type));
    expect(missing).toEqual([]);
  });

  it('codes are distinct and start at 1, in the order the migration froze', () => {
    expect(new Set(EVENT_TYPE_CODES).size).toBe(EVENT_TYPE_CODES.length);
    expect(EVENT_TYPE_CODES.indexOf('sessionStart') + 1).toBe(1);
    expect(EVENT_TYPE_CODES.indexOf('sessionEnd') + 1).toBe(21);
  });
});
