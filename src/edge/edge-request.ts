import { ContractViolation } from '../common/validation/contract-violation.exception.js';
import { type FieldError, MAX_FIELD_ERRORS } from '../common/validation/field-error.js';
import { isJsonObject } from '../common/validation/json-object.js';

type Json = Record<string, unknown>;

export { isJsonObject };

/** RFC 3339 with a zone, as XDM's `date-time` (alloy sends `2026-12-01T10:00:00.000Z`). */
const DATE_TIME =
  /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

/** A date-time's instant in ms, or undefined (an impossible date such as Feb 30 included). */
export function dateTimeMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !DATE_TIME.test(value)) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) return undefined;
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day && ms > 0 ? ms : undefined;
}

/** One event of an Edge body (`events[i]`), its XDM checked as far as the envelope goes. */
export interface EdgeEvent {
  readonly index: number;
  readonly xdm: Json;
  /** `$.events[i].xdm` */
  readonly path: string;
}

/**
 * The body's `events`, each an object with an `xdm` object; refused (400) otherwise. With
 * `others: 'skip'` (the Web SDK's interact and collect, which carry events of every kind), an
 * event without an `xdm` object is left out instead.
 */
export function edgeEvents(body: unknown, others: 'refuse' | 'skip' = 'refuse'): EdgeEvent[] {
  const problems: FieldError[] = [];
  if (!isJsonObject(body))
    throw new ContractViolation([{ path: '$', message: 'must be a JSON object' }]);
  const { events } = body;
  if (!Array.isArray(events) || events.length === 0) {
    throw new ContractViolation([
      { path: '$.events', message: 'must be a non-empty array of events' },
    ]);
  }
  const found: EdgeEvent[] = [];
  events.forEach((event: unknown, index) => {
    const path = `$.events[${index}].xdm`;
    const xdm = isJsonObject(event) ? event.xdm : undefined;
    if (isJsonObject(xdm)) found.push({ index, xdm, path });
    else if (others === 'refuse' && problems.length < MAX_FIELD_ERRORS) {
      problems.push({ path, message: 'must be a JSON object' });
    }
  });
  if (problems.length > 0) throw new ContractViolation(problems);
  return found;
}

/** An event's time (`xdm.timestamp`) in ms, and its `mediaCollection`; refused (400) otherwise. */
export function mediaEventParts(
  event: EdgeEvent,
  eventType: string,
): { readonly ts: number; readonly mediaCollection: Json } {
  const problems: FieldError[] = [];
  const { xdm, path } = event;
  if (xdm.eventType !== eventType) {
    problems.push({ path: `${path}.eventType`, message: `must be ${eventType}` });
  }
  const ts = dateTimeMs(xdm.timestamp);
  if (ts === undefined) {
    problems.push({
      path: `${path}.timestamp`,
      message:
        xdm.timestamp === undefined ? 'is required' : 'must be an RFC 3339 date-time with a zone',
    });
  }
  const { mediaCollection } = xdm;
  if (!isJsonObject(mediaCollection)) {
    problems.push({
      path: `${path}.mediaCollection`,
      message: mediaCollection === undefined ? 'is required' : 'must be a JSON object',
    });
  }
  if (problems.length > 0) throw new ContractViolation(problems);
  return { ts: ts!, mediaCollection: mediaCollection as Json };
}
