/** An event body as far as its identity goes (contract C3 retries). */
export interface EventIdentity {
  readonly eventType: string;
  readonly ts: number;
  readonly playhead: number;
  readonly params?: Readonly<Record<string, unknown>>;
  readonly qoeData?: Readonly<Record<string, unknown>>;
  readonly customMetadata?: Readonly<Record<string, unknown>>;
}

/** `{}` says nothing: real players send `params: {}` on every event (contract C1). */
const isNone = (value: unknown) =>
  value === undefined ||
  value === null ||
  (typeof value === 'object' && Object.keys(value).length === 0);

/** Equality of parsed JSON values: numbers by value, object members in any order. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    return (
      Array.isArray(a) &&
      Array.isArray(b) &&
      a.length === b.length &&
      a.every((item, i) => jsonEqual(item, b[i]))
    );
  }
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  const bRecord = b as Record<string, unknown>;
  return aKeys.every(
    (key) =>
      Object.hasOwn(bRecord, key) && jsonEqual((a as Record<string, unknown>)[key], bRecord[key]),
  );
}

const sameMember = (a: unknown, b: unknown) => (isNone(a) ? isNone(b) : jsonEqual(a, b));

/**
 * Whether two events are one event sent twice (contract C3): the whole body alike, as JSON
 * values, with an empty object the same as none. Two events that share type and ts but differ in
 * anything else are two events.
 */
export function sameEvent(a: EventIdentity, b: EventIdentity): boolean {
  return (
    a.eventType === b.eventType &&
    a.ts === b.ts &&
    a.playhead === b.playhead &&
    sameMember(a.params, b.params) &&
    sameMember(a.qoeData, b.qoeData) &&
    sameMember(a.customMetadata, b.customMetadata)
  );
}

/** A cheap key that all copies of one event share (and few distinct events do). */
export const eventBucket = (event: EventIdentity) => `${event.eventType}@${event.ts}`;

/**
 * Finds repeats of earlier events in a list. Returns, for each event, the index of the first
 * event it repeats, or -1 for the first of its kind. Costs one pass plus a comparison of bodies
 * only among events that share type and ts.
 */
export function repeatsIn<E extends EventIdentity>(
  events: readonly E[],
  bucketOf: (event: E) => string = eventBucket,
): number[] {
  const firsts = new Map<string, number[]>();
  return events.map((event, i) => {
    const bucket = bucketOf(event);
    const seen = firsts.get(bucket);
    const repeated = seen?.find((j) => sameEvent(events[j], event));
    if (repeated !== undefined) return repeated;
    if (seen) seen.push(i);
    else firsts.set(bucket, [i]);
    return -1;
  });
}
