import { type EventIdentity, repeatsIn } from '../media/event-identity.js';
import { tiePrecedence } from '../media/player-order.js';
import { AD_EVENTS, BREAK_EVENTS, PLAYBACK_STATES } from '../lifecycle/session-lifecycle.js';

/** One event of a batch, as the batch planner needs it. */
export interface BatchEvent extends EventIdentity {
  readonly sessionId: string;
}

/**
 * The live view's state set by a batch: the latest event of one kind in player order, with its
 * ts and its precedence among events of that ts (contract C5).
 */
export interface LatestState<T> {
  readonly value: T;
  readonly ts: number;
  readonly rank: number;
}

/**
 * What a batch does to one session, if none of its events is already stored: how many events it
 * adds, where it leaves the playhead, whether it ends the session, and the live view's state.
 */
export interface SessionDelta {
  readonly sessionId: string;
  readonly events: number;
  /** Events that count against the cap: all but a sessionEnd, which is always taken (C3). */
  readonly counted: number;
  readonly lowestPlayhead: number;
  readonly highestPlayhead: number;
  readonly lastPlayhead: number;
  readonly ends: boolean;
  /** A sessionComplete or contentComplete: the session closes after the grace (C4). */
  readonly completes: boolean;
  /** Retries answered that the session's count (reported as `retries`, C5) does not hold yet. */
  readonly retries: number;
  readonly playback?: LatestState<'playing' | 'paused' | 'buffering'>;
  readonly inBreak?: LatestState<boolean>;
  readonly adEvent?: LatestState<string>;
}

/** An event the batch writes: its session (index into `sessions`) and its rank in that session. */
export interface PlannedEvent<E extends BatchEvent> {
  readonly session: number;
  readonly rank: number;
  readonly event: E;
}

/** `answeredBy` of an event left for the next round. */
export const DEFERRED = -1;

/**
 * A batch grouped by session. `candidates` are the distinct events, in arrival order; an event
 * repeated within the batch (same session and the same whole body, C3) is written once,
 * `answeredBy[i]` is the index of the candidate whose outcome answers input event `i`, and
 * `repeats[i]` says that event `i` is such a repeat. `answeredBy[i]` is DEFERRED for an event
 * that arrived after its session's sessionEnd: it is left for the next round, where the session
 * is closed if that sessionEnd was stored (contract C4: every later event is 410).
 */
export interface BatchPlan<E extends BatchEvent> {
  readonly sessions: SessionDelta[];
  readonly candidates: Array<PlannedEvent<E>>;
  readonly answeredBy: number[];
  readonly repeats: boolean[];
}

const COMPLETES = new Set(['sessionComplete', 'contentComplete']);

type MutableDelta = { -readonly [K in keyof SessionDelta]: SessionDelta[K] };

/** The later of two states in player order (ts, then precedence); at a full tie the later arrival. */
function latest<T>(
  current: LatestState<T> | undefined,
  value: T,
  event: BatchEvent,
): LatestState<T> {
  const rank = tiePrecedence(event.eventType);
  const later =
    current === undefined ||
    event.ts > current.ts ||
    (event.ts === current.ts && rank >= current.rank);
  return later ? { value, ts: event.ts, rank } : current;
}

/**
 * Plans a batch in arrival order (contract C3): numbers each session's events, and sums up what
 * the batch does to each session, so the database gets one row per session to apply.
 * `earlierRetries`: per session, retries an earlier round of the batch answered, to be counted
 * with the session's events.
 */
export function planBatch<E extends BatchEvent>(
  events: readonly E[],
  earlierRetries: ReadonlyMap<string, number> = new Map(),
): BatchPlan<E> {
  const sessions: MutableDelta[] = [];
  const sessionIndex = new Map<string, number>();
  const candidates: Array<PlannedEvent<E>> = [];
  const answeredBy: number[] = [];
  const repeatOf = repeatsIn(events, (e) => `${e.sessionId}/${e.eventType}@${e.ts}`);
  const repeats = repeatOf.map((first) => first >= 0);

  for (const [i, event] of events.entries()) {
    if (repeatOf[i] >= 0) {
      const first = answeredBy[repeatOf[i]];
      answeredBy.push(first);
      // Counted with the session's events if they are written; a deferred one is planned again.
      if (first !== DEFERRED) sessions[sessionIndex.get(event.sessionId)!].retries += 1;
      continue;
    }
    let index = sessionIndex.get(event.sessionId);
    if (index !== undefined && sessions[index].ends) {
      answeredBy.push(DEFERRED);
      continue;
    }
    answeredBy.push(candidates.length);

    if (index === undefined) {
      index = sessions.length;
      sessionIndex.set(event.sessionId, index);
      sessions.push({
        sessionId: event.sessionId,
        events: 0,
        counted: 0,
        lowestPlayhead: event.playhead,
        highestPlayhead: event.playhead,
        lastPlayhead: event.playhead,
        ends: false,
        completes: false,
        retries: earlierRetries.get(event.sessionId) ?? 0,
      });
    }
    const delta = sessions[index];
    delta.events += 1;
    delta.lowestPlayhead = Math.min(delta.lowestPlayhead, event.playhead);
    delta.highestPlayhead = Math.max(delta.highestPlayhead, event.playhead);
    delta.lastPlayhead = event.playhead;
    if (event.eventType === 'sessionEnd') delta.ends = true;
    else delta.counted += 1;
    if (COMPLETES.has(event.eventType)) delta.completes = true;
    const playback = PLAYBACK_STATES.get(event.eventType);
    if (playback !== undefined) delta.playback = latest(delta.playback, playback, event);
    if (BREAK_EVENTS.has(event.eventType))
      delta.inBreak = latest(delta.inBreak, event.eventType === 'adBreakStart', event);
    if (AD_EVENTS.has(event.eventType))
      delta.adEvent = latest(delta.adEvent, event.eventType, event);
    candidates.push({ session: index, rank: delta.events, event });
  }
  return inIdOrder({ sessions, candidates, answeredBy, repeats });
}

/** The same plan with its sessions in id order (the order in which the database locks them). */
function inIdOrder<E extends BatchEvent>(plan: BatchPlan<E>): BatchPlan<E> {
  const order = plan.sessions.map((_, i) => i);
  order.sort((a, b) => compareIds(plan.sessions[a].sessionId, plan.sessions[b].sessionId));
  const position = new Array<number>(order.length);
  order.forEach((from, to) => (position[from] = to));
  return {
    sessions: order.map((i) => plan.sessions[i]),
    candidates: plan.candidates.map((c) => ({ ...c, session: position[c.session] })),
    answeredBy: plan.answeredBy,
    repeats: plan.repeats,
  };
}

/** Session ids are lowercase hex of equal length, so string order is the order of their bytes. */
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
