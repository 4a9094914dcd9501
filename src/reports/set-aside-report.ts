import { type SessionReport } from '../media/metrics/session-report.js';

/**
 * What is stored for a closed session whose report could not be computed within its attempts
 * (contract C5): served as it is, left out of the summary, and kept like any report.
 */
export interface SetAsideReport {
  readonly sessionId: string;
  readonly computable: false;
  readonly reason: string;
}

/** A stored report: computed, or set aside. */
export type StoredReport = SessionReport | SetAsideReport;

/** The longest failure message a reason quotes. */
const MAX_CAUSE_LENGTH = 200;

export function setAside(sessionId: string, reason: string): SetAsideReport {
  return { sessionId, computable: false, reason };
}

/** The reason of a session set aside after `attempts` failed attempts, the last failing with `error`. */
export function failureReason(attempts: number, error: unknown, queryTimeoutMs: number): string {
  const tries = attempts === 1 ? '1 attempt' : `${attempts} attempts`;
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === '57014' || message.startsWith('Query read timeout')) {
    return `Its events could not be read within REPORTS_QUERY_TIMEOUT_MS (${queryTimeoutMs} ms), in ${tries}.`;
  }
  const cause = error instanceof Error ? `${error.name}: ${message}` : message;
  return `Computing it failed in ${tries}; the last failure: ${cause.slice(0, MAX_CAUSE_LENGTH)}`;
}

/** The reason of a session whose attempts all ended without an outcome (the service stopped). */
export function interruptedReason(attempts: number): string {
  return `Its report was attempted ${attempts} times and no attempt finished (the service stopped during each).`;
}
