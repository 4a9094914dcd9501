import { fieldErrorsOf } from '../common/validation/contract-validation.pipe.js';
import { type FieldError } from '../common/validation/field-error.js';
import { EDGE_SESSION_START } from '../media/event-catalogue.js';
import { type WireFormat } from '../media/wire-format.js';
import { acceptsSessionEvent, acceptsSessionStart } from './dto/compiled-event-checks.js';
import { EVENT_DTOS, eventDto, sessionEventDtoFor } from './dto/event-rules.js';

const EDGE_SESSION_START_DTO = eventDto('sessionStart', EDGE_SESSION_START);

/**
 * The event catalogue's verdict on an event body in the MCA's shape, for modules that receive
 * events in another wire format and map them (contract C10): no errors when the body is valid.
 * A sessionStart is judged by the rules of the wire format it came in; any other event alike.
 */
export async function eventBodyErrors(body: object, wireFormat: WireFormat): Promise<FieldError[]> {
  if ((body as { eventType?: unknown }).eventType === 'sessionStart') {
    if (wireFormat === 'edge') return fieldErrorsOf(EDGE_SESSION_START_DTO, body);
    return acceptsSessionStart(body) ? [] : fieldErrorsOf(EVENT_DTOS.sessionStart, body);
  }
  return acceptsSessionEvent(body) ? [] : fieldErrorsOf(sessionEventDtoFor(body), body);
}
