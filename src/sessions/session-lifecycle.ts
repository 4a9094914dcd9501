import { tiePrecedence } from '../media/player-order.js';

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

export type CloseReason = 'end' | 'complete' | 'idle' | 'stalled' | 'max-duration' | 'downloaded';

/**
 * The parameters `$1` to `$4` of every statement that uses the lifecycle clock below: idle, stall,
 * max-duration and complete-grace seconds.
 */
export const lifecycleParams = (limits: SessionLimits) => [
  limits.idleSeconds,
  limits.stallSeconds,
  limits.maxDurationSeconds,
  limits.completeGraceSeconds,
];

/** The lifecycle's own parameters come first, so a statement's own start at `$5`. */
export const LIFECYCLE_PARAM_COUNT = 4;

/**
 * The time limits of a session already known not to be marked closed (contract C4), on the
 * database's clock so that every instance agrees. A completed session's grace counts from its
 * last event, like the idle timeout.
 */
export const withinLimits = (s: string) => `${s}.last_event_at > now() - $1 * interval '1 second'
  AND (NOT ${s}.completed OR ${s}.last_event_at > now() - $4 * interval '1 second')
  AND ${s}.playhead_moved_at > now() - $2 * interval '1 second'
  AND ${s}.created_at > now() - $3 * interval '1 second'`;

/** A session is live while it is not marked closed and none of its limits has passed. */
export const live = (s: string) => `${s}.closed_at IS NULL AND ${withinLimits(s)}`;

/**
 * The deadlines of a session as rows `(at, reason, o)`: the one that comes first (lowest `at`,
 * then `o`) is why an expired session closed. A completed session's grace is named first, so at
 * equal limits it closes as complete.
 */
export const deadlines = (s: string) => `(VALUES
    (CASE WHEN ${s}.completed THEN ${s}.last_event_at + $4 * interval '1 second' END, 'complete', 1),
    (${s}.last_event_at + $1 * interval '1 second', 'idle', 2),
    (${s}.playhead_moved_at + $2 * interval '1 second', 'stalled', 3),
    (${s}.created_at + $3 * interval '1 second', 'max-duration', 4)
  ) AS deadline(at, reason, o)`;

/** Why a session not marked closed, but past one of its limits, is closed. */
export const expiryReason = (s: string) =>
  `(SELECT reason FROM ${deadlines(s)} ORDER BY at, o LIMIT 1)`;

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

/** A live session's state for the live view: in an ad only inside a break (contract C5). */
export const liveState = (s: string) =>
  `CASE WHEN ${s}.in_break AND ${s}.ad_event = 'adStart' THEN 'inAd' ELSE ${s}.playback_state END`;

const rankCase = (column: string, events: Readonly<Record<string, string>>, otherwise: number) =>
  `CASE ${column} ${Object.entries(events)
    .map(([value, type]) => `WHEN '${value}' THEN ${tiePrecedence(type)}`)
    .join(' ')} ELSE ${otherwise} END`;

/**
 * The tie precedence (C5) of the event that set each stored live-view state, derived from the
 * state itself, so that a later batch replaces it only if its event comes later in player order.
 */
export const storedRank = {
  playback: (s: string) =>
    rankCase(
      `${s}.playback_state`,
      Object.fromEntries([...PLAYBACK_STATES].map(([type, state]) => [state, type])),
      -1,
    ),
  inBreak: (s: string) =>
    `CASE WHEN ${s}.in_break THEN ${tiePrecedence('adBreakStart')} ELSE ${tiePrecedence('adBreakComplete')} END`,
  adEvent: (s: string) =>
    rankCase(`${s}.ad_event`, Object.fromEntries([...AD_EVENTS].map((type) => [type, type])), -1),
};
