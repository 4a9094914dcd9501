/** Adobe keeps the first ten player states of a session and discards the rest. */
export const MAX_PLAYER_STATES = 10;

/**
 * Adobe's standard state names, in the spelling reports use. Players spell them differently (the
 * JS SDK sends `fullScreen`, the mobile SDKs `fullscreen`), so they are matched without regard to
 * case; any other name is a player's own and is kept as sent.
 */
const STANDARD_STATE_NAMES = [
  'fullscreen',
  'mute',
  'closedCaptioning',
  'pictureInPicture',
  'inFocus',
] as const;

const STANDARD_BY_LOWER_CASE = new Map<string, string>(
  STANDARD_STATE_NAMES.map((name) => [name.toLowerCase(), name]),
);

/** The name a state is reported under (contract C5). */
export function normaliseStateName(name: string): string {
  return STANDARD_BY_LOWER_CASE.get(name.toLowerCase()) ?? name;
}

interface StateTally {
  count: number;
  timeMs: number;
  /** The session clock when the state began; undefined while it is not in force. */
  since: number | undefined;
}

/**
 * Player states (`states[name] = {count, time}`) timed on the session clock: the clock advances
 * by each interval as capped, so a state's time is capped like every other time figure. Holds one
 * tally per name and nothing per event.
 */
export class PlayerStates {
  private readonly states = new Map<string, StateTally>();

  start(name: string, clockMs: number): void {
    const key = normaliseStateName(name);
    let state = this.states.get(key);
    if (!state) {
      if (this.states.size >= MAX_PLAYER_STATES) return;
      state = { count: 0, timeMs: 0, since: undefined };
      this.states.set(key, state);
    }
    // A start of a state already in force is no new entry.
    if (state.since === undefined) {
      state.count += 1;
      state.since = clockMs;
    }
  }

  end(name: string, clockMs: number): void {
    const state = this.states.get(normaliseStateName(name));
    if (state?.since === undefined) return;
    state.timeMs += clockMs - state.since;
    state.since = undefined;
  }

  /** Distinct names held (at most `MAX_PLAYER_STATES`). */
  get size(): number {
    return this.states.size;
  }

  /** Each state's count and time in seconds; one still in force runs to `clockMs`. */
  report(clockMs: number): Record<string, { count: number; time: number }> {
    const report: Record<string, { count: number; time: number }> = {};
    for (const [name, state] of this.states) {
      const open = state.since === undefined ? 0 : clockMs - state.since;
      report[name] = { count: state.count, time: (state.timeMs + open) / 1000 };
    }
    return report;
  }
}
