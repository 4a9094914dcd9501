/**
 * Player order (contract C5): by `ts`, and at one `ts` by this precedence, then by arrival. The
 * SDKs give `adBreakStart`, `adStart` and `play` one ts and send them in parallel, so arrival
 * order at a tie is random; the precedence makes every figure independent of it. Whatever ends
 * something goes before whatever starts something, so an ad that ends as the next begins is
 * counted as two ads, not none.
 */
const PRECEDENCE: readonly (readonly string[])[] = [
  ['sessionStart'],
  ['adComplete'],
  ['adSkip'],
  ['adBreakComplete'],
  ['chapterComplete'],
  ['chapterSkip'],
  ['stateEnd'],
  ['chapterStart'],
  ['adBreakStart'],
  ['adStart'],
  ['stateStart'],
  ['statesUpdate'],
  ['play'],
  ['pauseStart'],
  ['bufferStart'],
  ['ping'],
  ['bitrateChange'],
  ['error'],
  ['sessionComplete', 'contentComplete'],
  ['sessionEnd'],
];

const RANK = new Map<string, number>(
  PRECEDENCE.flatMap((types, rank) => types.map((type) => [type, rank] as const)),
);

/** Ranks stay below this, so `ts * ORDER_SLOTS + rank` orders by ts first (see `playerOrderKey`). */
export const ORDER_SLOTS = 32;

/** The place of a type no list names: after every known type. */
const UNKNOWN_RANK = PRECEDENCE.length;

/** An event type's place among events of one ts; an unknown type goes after every known one. */
export function tiePrecedence(eventType: string): number {
  return RANK.get(eventType) ?? UNKNOWN_RANK;
}

/**
 * `tiePrecedence` as an SQL expression of an event type column, from the same list, so that
 * `ORDER BY ts, <this>, seq` reads events in player order. `column` is SQL written in code (a
 * column name such as `e.event_type`), never input.
 */
export function tiePrecedenceSql(column: string): string {
  const cases = [...RANK].map(([type, rank]) => `WHEN '${type}' THEN ${rank}`).join(' ');
  return `(CASE ${column} ${cases} ELSE ${UNKNOWN_RANK} END)`;
}

/**
 * One number that orders events by ts, then precedence: what the live view stores to tell which
 * of two events came later in player order. Exact for any ts below 2^48 ms (the year 10889).
 */
export function playerOrderKey(ts: number, eventType: string): number {
  return ts * ORDER_SLOTS + tiePrecedence(eventType);
}

/** Compares two events in player order: ts, then precedence, then arrival (`seq`). */
export function comparePlayerOrder(
  a: { readonly ts: number; readonly eventType: string; readonly seq: number },
  b: { readonly ts: number; readonly eventType: string; readonly seq: number },
): number {
  return a.ts - b.ts || tiePrecedence(a.eventType) - tiePrecedence(b.eventType) || a.seq - b.seq;
}
