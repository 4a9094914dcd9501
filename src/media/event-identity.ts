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

/**
 * JSON text of a parsed value with every object's members in one order, so that two values are
 * equal as JSON (numbers by value, members in any order) exactly when their texts are. Bodies hold
 * finite numbers only: the body parser refuses the others.
 */
export function canonicalJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const record = value as Record<string, unknown>;
  const members = Object.keys(record)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`);
  return `{${members.join(',')}}`;
}

const memberText = (value: unknown) => (isNone(value) ? '' : canonicalJson(value));

/**
 * What makes two events one event sent twice (contract C3): the whole body alike, as JSON values,
 * with an empty object the same as none. Two events that share type and ts but differ in anything
 * else are two events.
 */
export function eventKey(event: EventIdentity): string {
  return JSON.stringify([
    event.eventType,
    event.ts,
    event.playhead,
    memberText(event.params),
    memberText(event.qoeData),
    memberText(event.customMetadata),
  ]);
}

/** A cheap key that all copies of one event share (and few distinct events do). */
export const eventBucket = (event: EventIdentity) => `${event.eventType}@${event.ts}`;

/**
 * Finds repeats of earlier events in a list. Returns, for each event, the index of the first
 * event it repeats, or -1 for the first of its kind. One pass: the whole body's key is made only
 * for events whose cheap bucket (type and ts, by default) an earlier event shares, and then looked
 * up, so a list of many events of one ts costs no more than any other.
 */
export function repeatsIn<E extends EventIdentity>(
  events: readonly E[],
  bucketOf: (event: E) => string = eventBucket,
): number[] {
  const buckets = new Map<string, { first: number; byKey?: Map<string, number> }>();
  return events.map((event, i) => {
    const bucket = bucketOf(event);
    const seen = buckets.get(bucket);
    if (seen === undefined) {
      buckets.set(bucket, { first: i });
      return -1;
    }
    seen.byKey ??= new Map([[eventKey(events[seen.first]), seen.first]]);
    const key = eventKey(event);
    const repeated = seen.byKey.get(key);
    if (repeated !== undefined) return repeated;
    seen.byKey.set(key, i);
    return -1;
  });
}
