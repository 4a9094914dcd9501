import { describe, expect, it } from 'vitest';
import { lifecycleStatement } from '../../src/lifecycle/lifecycle-sql.js';
import { type SessionLimits } from '../../src/lifecycle/session-lifecycle.js';

const LIMITS: SessionLimits = {
  idleSeconds: 600,
  stallSeconds: 1800,
  maxDurationSeconds: 86400,
  completeGraceSeconds: 30,
  maxEvents: 100_000,
  maxBytes: 16 << 20,
};

describe('lifecycleStatement (C4: one published meaning of live, expired and why)', () => {
  it("numbers the lifecycle's parameters after the caller's own and appends their values", () => {
    const sut = lifecycleStatement(
      LIMITS,
      2,
      (l) => `SELECT 1 FROM sessions x WHERE ${l.live('x')} AND x.media_id = $1 LIMIT $2`,
    );
    expect(sut.text).toContain("x.last_event_at > now() - $3 * interval '1 second'");
    expect(sut.text).toContain("x.playhead_moved_at > now() - $4 * interval '1 second'");
    expect(sut.text).toContain("x.created_at > now() - $5 * interval '1 second'");
    expect(sut.text).toContain("x.last_event_at > now() - $6 * interval '1 second'");
    expect(sut.text).toMatch(/^SELECT 1 FROM sessions x WHERE x\.closed_at IS NULL AND /);
    expect(sut.values(['m1', 10])).toEqual(['m1', 10, 600, 1800, 86400, 30]);
  });

  it('with no parameters of its own, the lifecycle takes $1 to $4', () => {
    const sut = lifecycleStatement(LIMITS, 0, (l) => l.expiryReason('s'));
    expect(sut.text).toContain(
      "CASE WHEN s.completed THEN s.last_event_at + $4 * interval '1 second' END, 'complete', 1",
    );
    expect(sut.text).toContain("(s.last_event_at + $1 * interval '1 second', 'idle', 2)");
    expect(sut.text).toContain("(s.playhead_moved_at + $2 * interval '1 second', 'stalled', 3)");
    expect(sut.text).toContain("(s.created_at + $3 * interval '1 second', 'max-duration', 4)");
    expect(sut.values([])).toEqual([600, 1800, 86400, 30]);
  });

  it('the live state is in an ad only inside a break, and needs no parameter', () => {
    const sut = lifecycleStatement(LIMITS, 0, (l) => l.liveState('s'));
    expect(sut.text).toBe(
      "CASE WHEN s.in_break AND s.ad_event = 'adStart' THEN 'inAd' ELSE s.playback_state END",
    );
  });

  it('refuses the wrong number of values of its own', () => {
    const sut = lifecycleStatement(LIMITS, 1, (l) => l.live('s'));
    expect(() => sut.values([1, 2])).toThrow('the statement takes 1 values of its own, not 2');
  });
});
