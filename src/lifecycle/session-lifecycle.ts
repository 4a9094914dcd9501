import { type AppConfig } from '../config/app-config.js';

/** The lifecycle limits (contract C4) and the per-session caps (C3). */
export interface SessionLimits {
  readonly idleSeconds: number;
  readonly stallSeconds: number;
  readonly maxDurationSeconds: number;
  /** After a sessionComplete, a session with no event for this long closes as `complete`. */
  readonly completeGraceSeconds: number;
  readonly maxEvents: number;
  /** Bytes of stored event bodies one session may hold (`SESSION_MAX_BYTES`). */
  readonly maxBytes: number;
}

/** The limits the configuration sets. */
export function limitsFrom(config: AppConfig): SessionLimits {
  return {
    idleSeconds: config.sessionIdleTimeoutSeconds,
    stallSeconds: config.sessionStallTimeoutSeconds,
    maxDurationSeconds: config.sessionMaxDurationSeconds,
    completeGraceSeconds: config.sessionCompleteGraceSeconds,
    maxEvents: config.sessionMaxEvents,
    maxBytes: config.sessionMaxBytes,
  };
}

/** Why a session closed (C4; `downloaded` for an offline session, closed as it is stored). */
export type CloseReason = 'end' | 'complete' | 'idle' | 'stalled' | 'max-duration' | 'downloaded';

/**
 * What became of one event: `accepted` (stored now), `retry` (the same event is stored already,
 * C3), `ignored` (a sessionEnd for a session that closed as complete, C4: nothing to do), `unknown`
 * session, `closed` (ended or expired), or `capped` (the session holds its maximum).
 */
export type AppendOutcome = 'accepted' | 'retry' | 'ignored' | 'unknown' | 'closed' | 'capped';

/** The player state each playback event sets, for the live view. */
export const PLAYBACK_STATES = new Map<string, 'playing' | 'paused' | 'buffering'>([
  ['play', 'playing'],
  ['pauseStart', 'paused'],
  ['bufferStart', 'buffering'],
]);
export const BREAK_EVENTS: ReadonlySet<string> = new Set(['adBreakStart', 'adBreakComplete']);
/** The events whose latest one tells whether the player is in an ad. */
export const AD_EVENTS: ReadonlySet<string> = new Set([
  ...BREAK_EVENTS,
  'adStart',
  'adComplete',
  'adSkip',
]);
