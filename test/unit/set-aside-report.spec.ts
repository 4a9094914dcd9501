import { describe, expect, it } from 'vitest';
import { failureReason, interruptedReason, setAside } from '../../src/reports/set-aside-report.js';

const timeout = Object.assign(new Error('canceling statement due to statement timeout'), {
  code: '57014',
});

describe('set-aside reports (C5: {sessionId, computable: false, reason})', () => {
  it('C5: a set-aside report holds exactly the session id, computable false and the reason', () => {
    expect(setAside('ab'.repeat(32), 'Why.')).toEqual({
      sessionId: 'ab'.repeat(32),
      computable: false,
      reason: 'Why.',
    });
  });

  it('C5: a statement timeout names REPORTS_QUERY_TIMEOUT_MS and its value', () => {
    expect(failureReason(3, timeout, 10_000)).toBe(
      'Its events could not be read within REPORTS_QUERY_TIMEOUT_MS (10000 ms), in 3 attempts.',
    );
  });

  it("C5: the client-side query timeout (pg's 'Query read timeout') reads the same", () => {
    expect(failureReason(1, new Error('Query read timeout'), 250)).toBe(
      'Its events could not be read within REPORTS_QUERY_TIMEOUT_MS (250 ms), in 1 attempt.',
    );
  });

  it('C5: another failure is quoted with its name, cut at 200 characters', () => {
    expect(failureReason(2, new TypeError('x is not a function'), 10_000)).toBe(
      'Computing it failed in 2 attempts; the last failure: TypeError: x is not a function',
    );
    const long = failureReason(3, new RangeError('y'.repeat(500)), 10_000);
    expect(long).toBe(
      `Computing it failed in 3 attempts; the last failure: RangeError: ${'y'.repeat(188)}`,
    );
  });

  it('C5: a thrown value that is no Error is quoted as text', () => {
    expect(failureReason(3, 'gone', 10_000)).toBe(
      'Computing it failed in 3 attempts; the last failure: gone',
    );
  });

  it('C5: attempts that never finished say so', () => {
    expect(interruptedReason(3)).toBe(
      'Its report was attempted 3 times and no attempt finished (the service stopped during each).',
    );
  });
});
