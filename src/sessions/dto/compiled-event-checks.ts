import { Ajv, type ValidateFunction } from 'ajv';
import { EVENT_TYPES, type EventType, isEventType } from '../../media/event-catalogue.js';
import { eventJsonSchema } from '../../media/json-schema.js';
import { playheadRangeProblem } from '../../media/playhead-range.js';

/**
 * The request validators' fast path. The event DTOs (class-validator) build readable errors but
 * cost tens of microseconds per body; these checks, compiled once from the same catalogue through
 * the JSON Schemas the service publishes, answer "valid" in about a microsecond. A body they
 * accept is accepted; anything else goes through the DTOs, which decide and explain. Unit tests
 * hold both to the same answers over a corpus of valid and broken bodies of every event type.
 */
// strictNumbers: JSON's 1e400 parses to Infinity, which no number member may hold (C1).
const ajv = new Ajv({ strict: false, allErrors: false, strictNumbers: true });
const CHECKS = Object.fromEntries(
  EVENT_TYPES.map((type) => [type, ajv.compile(eventJsonSchema(type))]),
) as Readonly<Record<EventType, ValidateFunction>>;

interface StartFields {
  readonly playerTime: { readonly playhead: number };
  readonly params: { readonly 'media.contentType': string; readonly 'media.length': number };
}

function accepts(type: EventType, body: unknown): boolean {
  if (!CHECKS[type](body)) return false;
  if (type !== 'sessionStart') return true;
  // The one sessionStart rule a JSON Schema cannot state spans two members (contract C2).
  const { playerTime, params } = body as StartFields;
  return (
    playheadRangeProblem(
      playerTime.playhead,
      params['media.contentType'],
      params['media.length'],
    ) === undefined
  );
}

/** A valid sessionStart body. */
export const acceptsSessionStart = (body: unknown): boolean => accepts('sessionStart', body);

/** A valid body for `POST /api/v1/sessions/{sid}/events` (any type but sessionStart). */
export function acceptsSessionEvent(body: unknown): boolean {
  const type = (body as { eventType?: unknown } | null)?.eventType;
  return isEventType(type) && type !== 'sessionStart' && accepts(type, body);
}
