/** One event of a batch, as the batch planner needs it. */
export interface BatchEvent {
  readonly sessionId: string;
  readonly eventType: string;
  readonly ts: number;
  readonly playhead: number;
}

/** The live view's state set by a batch: the latest event of one kind in player order, and its ts. */
export interface LatestState<T> {
  readonly value: T;
  readonly ts: number;
}

/**
 * What a batch does to one session, if none of its events is already stored: how many events it
 * adds, where it leaves the playhead, whether it ends the session, and the live view's state.
 */
export interface SessionDelta {
  readonly sessionId: string;
  readonly events: number;
  readonly lowestPlayhead: number;
  readonly highestPlayhead: number;
  readonly lastPlayhead: number;
  readonly ends: boolean;
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
 * repeated within the batch (same session, eventType and ts) is written once, and `answeredBy[i]`
 * is the index of the candidate whose outcome answers input event `i`, or DEFERRED: an event that
 * arrived after its session's sessionEnd is left for the next round, where the session is closed
 * if that sessionEnd was stored (contract C4: every later event is 410).
 */
export interface BatchPlan<E extends BatchEvent> {
  readonly sessions: SessionDelta[];
  readonly candidates: Array<PlannedEvent<E>>;
  readonly answeredBy: number[];
}

const PLAYBACK = new Map<string, 'playing' | 'paused' | 'buffering'>([
  ['play', 'playing'],
  ['pauseStart', 'paused'],
  ['bufferStart', 'buffering'],
]);
const BREAK_EVENTS = new Set(['adBreakStart', 'adBreakComplete']);
const AD_EVENTS = new Set(['adBreakStart', 'adBreakComplete', 'adStart', 'adComplete', 'adSkip']);

type MutableDelta = { -readonly [K in keyof SessionDelta]: SessionDelta[K] };

/** The later of two states in player order; on equal ts the later arrival wins. */
function latest<T>(current: LatestState<T> | undefined, value: T, ts: number): LatestState<T> {
  return current === undefined || ts >= current.ts ? { value, ts } : current;
}

/**
 * Plans a batch in arrival order (contract C3): numbers each session's events, and sums up what
 * the batch does to each session, so the database gets one row per session to apply.
 */
export function planBatch<E extends BatchEvent>(events: readonly E[]): BatchPlan<E> {
  const sessions: MutableDelta[] = [];
  const sessionIndex = new Map<string, number>();
  const candidates: Array<PlannedEvent<E>> = [];
  const candidateIndex = new Map<string, number>();
  const answeredBy: number[] = [];

  for (const event of events) {
    const key = `${event.sessionId}/${event.eventType}/${event.ts}`;
    const repeated = candidateIndex.get(key);
    if (repeated !== undefined) {
      answeredBy.push(repeated);
      continue;
    }
    let index = sessionIndex.get(event.sessionId);
    if (index !== undefined && sessions[index].ends) {
      answeredBy.push(DEFERRED);
      continue;
    }
    candidateIndex.set(key, candidates.length);
    answeredBy.push(candidates.length);

    if (index === undefined) {
      index = sessions.length;
      sessionIndex.set(event.sessionId, index);
      sessions.push({
        sessionId: event.sessionId,
        events: 0,
        lowestPlayhead: event.playhead,
        highestPlayhead: event.playhead,
        lastPlayhead: event.playhead,
        ends: false,
      });
    }
    const delta = sessions[index];
    delta.events += 1;
    delta.lowestPlayhead = Math.min(delta.lowestPlayhead, event.playhead);
    delta.highestPlayhead = Math.max(delta.highestPlayhead, event.playhead);
    delta.lastPlayhead = event.playhead;
    if (event.eventType === 'sessionEnd') delta.ends = true;
    const playback = PLAYBACK.get(event.eventType);
    if (playback !== undefined) delta.playback = latest(delta.playback, playback, event.ts);
    if (BREAK_EVENTS.has(event.eventType))
      delta.inBreak = latest(delta.inBreak, event.eventType === 'adBreakStart', event.ts);
    if (AD_EVENTS.has(event.eventType))
      delta.adEvent = latest(delta.adEvent, event.eventType, event.ts);
    candidates.push({ session: index, rank: delta.events, event });
  }
  return inIdOrder({ sessions, candidates, answeredBy });
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
  };
}

/** Session ids are lowercase hex of equal length, so string order is the order of their bytes. */
const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
