/** An event's JSON members as they are sent to the database, made once per event. */
export interface EventTexts {
  /** JSON text of each member; `null` for an absent one. */
  readonly params: string;
  readonly qoeData: string;
  readonly customMetadata: string;
  /** What the event counts against `SESSION_MAX_BYTES` and the write queue's byte budget. */
  readonly bytes: number;
}

/**
 * What one stored event counts beside its JSON members (C3 `SESSION_MAX_BYTES`): its type, times,
 * playhead and row.
 */
export const EVENT_ROW_BYTES = 64;

interface WithMembers {
  readonly params?: unknown;
  readonly qoeData?: unknown;
  readonly customMetadata?: unknown;
}

const textOf = (value: unknown) => (value === undefined ? 'null' : JSON.stringify(value));
/** UTF-8 bytes, as PostgreSQL stores them: a character of CJK text is three. */
const bytesOf = (value: unknown, text: string) =>
  value === undefined ? 0 : Buffer.byteLength(text, 'utf8');

/** Most pings carry no member: they share one set of texts, and make no garbage. */
const NO_MEMBERS: EventTexts = Object.freeze({
  params: 'null',
  qoeData: 'null',
  customMetadata: 'null',
  bytes: EVENT_ROW_BYTES,
});

export function eventTexts(event: WithMembers): EventTexts {
  if (
    event.params === undefined &&
    event.qoeData === undefined &&
    event.customMetadata === undefined
  ) {
    return NO_MEMBERS;
  }
  const params = textOf(event.params);
  const qoeData = textOf(event.qoeData);
  const customMetadata = textOf(event.customMetadata);
  return {
    params,
    qoeData,
    customMetadata,
    bytes:
      EVENT_ROW_BYTES +
      bytesOf(event.params, params) +
      bytesOf(event.qoeData, qoeData) +
      bytesOf(event.customMetadata, customMetadata),
  };
}
