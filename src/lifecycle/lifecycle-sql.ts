import { tiePrecedence } from '../media/player-order.js';
import { AD_EVENTS, PLAYBACK_STATES, type SessionLimits } from './session-lifecycle.js';

/**
 * The session lifecycle as SQL fragments over a `sessions` row aliased `s` (any alias). The
 * fragments that read the clock refer to the lifecycle's own parameters, whose numbers a
 * `LifecycleStatement` chooses; a caller never numbers them by hand.
 */
export interface LifecycleSql {
  /** Not marked closed (the sweep or a sessionEnd marks a session closed). */
  notMarkedClosed(s: string): string;
  /** Within every time limit (C4), on the database's clock so that every instance agrees. */
  withinLimits(s: string): string;
  /** Live: not marked closed and within its limits. Events are taken only by a live session. */
  live(s: string): string;
  /** The session's deadlines as rows `(at, reason, o)`; the lowest `(at, o)` is why it closes. */
  deadlines(s: string): string;
  /** Why a session past one of its limits closes. */
  expiryReason(s: string): string;
  /** A live session's state for the live view: in an ad only inside a break (C5). */
  liveState(s: string): string;
  /**
   * The tie precedence (C5) of the event that set each stored live-view state, derived from the
   * state itself, so that a later batch replaces it only if its event comes later in player order.
   */
  readonly storedRank: {
    playback(s: string): string;
    inBreak(s: string): string;
    adEvent(s: string): string;
  };
}

/** A statement that uses the lifecycle: its text, and its parameter values from the caller's own. */
export interface LifecycleStatement {
  readonly text: string;
  /** The caller's own values (`$1` to `$ownParams`) followed by the lifecycle's. */
  values(own: readonly unknown[]): unknown[];
}

const rankCase = (column: string, events: Readonly<Record<string, string>>, otherwise: number) =>
  `CASE ${column} ${Object.entries(events)
    .map(([value, type]) => `WHEN '${value}' THEN ${tiePrecedence(type)}`)
    .join(' ')} ELSE ${otherwise} END`;

/** The fragments, with the idle, stall, max-duration and grace seconds at `$first` onwards. */
function fragments(first: number): LifecycleSql {
  const [idle, stall, maxDuration, grace] = [0, 1, 2, 3].map((i) => `$${first + i}`);
  const seconds = (param: string) => `${param} * interval '1 second'`;
  const withinLimits = (s: string) => `${s}.last_event_at > now() - ${seconds(idle)}
  AND (NOT ${s}.completed OR ${s}.last_event_at > now() - ${seconds(grace)})
  AND ${s}.playhead_moved_at > now() - ${seconds(stall)}
  AND ${s}.created_at > now() - ${seconds(maxDuration)}`;
  // A completed session's grace is named first, so at equal limits it closes as complete.
  const deadlines = (s: string) => `(VALUES
    (CASE WHEN ${s}.completed THEN ${s}.last_event_at + ${seconds(grace)} END, 'complete', 1),
    (${s}.last_event_at + ${seconds(idle)}, 'idle', 2),
    (${s}.playhead_moved_at + ${seconds(stall)}, 'stalled', 3),
    (${s}.created_at + ${seconds(maxDuration)}, 'max-duration', 4)
  ) AS deadline(at, reason, o)`;
  return {
    notMarkedClosed: (s) => `${s}.closed_at IS NULL`,
    withinLimits,
    live: (s) => `${s}.closed_at IS NULL AND ${withinLimits(s)}`,
    deadlines,
    expiryReason: (s) => `(SELECT reason FROM ${deadlines(s)} ORDER BY at, o LIMIT 1)`,
    liveState: (s) =>
      `CASE WHEN ${s}.in_break AND ${s}.ad_event = 'adStart' THEN 'inAd' ELSE ${s}.playback_state END`,
    storedRank: {
      playback: (s) =>
        rankCase(
          `${s}.playback_state`,
          Object.fromEntries([...PLAYBACK_STATES].map(([type, state]) => [state, type])),
          -1,
        ),
      inBreak: (s) =>
        `CASE WHEN ${s}.in_break THEN ${tiePrecedence('adBreakStart')} ELSE ${tiePrecedence('adBreakComplete')} END`,
      adEvent: (s) =>
        rankCase(
          `${s}.ad_event`,
          Object.fromEntries([...AD_EVENTS].map((type) => [type, type])),
          -1,
        ),
    },
  };
}

/**
 * A statement of `ownParams` parameters of its own, built with the lifecycle's fragments; the
 * lifecycle's parameters follow the caller's.
 */
export function lifecycleStatement(
  limits: SessionLimits,
  ownParams: number,
  build: (lifecycle: LifecycleSql) => string,
): LifecycleStatement {
  const clock = [
    limits.idleSeconds,
    limits.stallSeconds,
    limits.maxDurationSeconds,
    limits.completeGraceSeconds,
  ];
  return {
    text: build(fragments(ownParams + 1)),
    values: (own) => {
      if (own.length !== ownParams) {
        throw new Error(`the statement takes ${ownParams} values of its own, not ${own.length}`);
      }
      return [...own, ...clock];
    },
  };
}
