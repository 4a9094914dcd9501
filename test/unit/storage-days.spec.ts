import { describe, expect, it } from 'vitest';
import {
  dayNumber,
  dayStart,
  partitionDay,
  partitionName,
} from '../../src/sessions/storage-days.js';

describe('storage days (events partitioned by their session day, UTC)', () => {
  it('counts UTC days from 2020-01-01, as the migration does', () => {
    expect(dayNumber(new Date('2020-01-01T00:00:00Z'))).toBe(0);
    expect(dayNumber(new Date('2020-01-01T23:59:59.999Z'))).toBe(0);
    expect(dayNumber(new Date('2020-01-02T00:00:00Z'))).toBe(1);
    expect(dayNumber(new Date('2026-12-01T12:00:00Z'))).toBe(2526);
    expect(dayNumber(new Date('2019-12-31T23:59:59Z'))).toBe(-1);
  });

  it('names a partition by its day and reads the day back', () => {
    expect(partitionName(2526)).toBe('events_20261201');
    expect(dayStart(2526).toISOString()).toBe('2026-12-01T00:00:00.000Z');
    expect(partitionDay('events_20261201')).toBe(2526);
    expect(partitionDay('events_2026120')).toBeUndefined();
    expect(partitionDay('sessions')).toBeUndefined();
  });
});
