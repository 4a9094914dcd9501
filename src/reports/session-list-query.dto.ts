import { Matches, MaxLength, ValidateIf } from 'class-validator';
import { INSTANT_MESSAGE, IsSummaryInstant } from './summary-query.dto.js';

/** A count in a query; the service keeps it within its route's bounds. */
const Whole = () => Matches(/^\d{1,9}$/, { message: 'must be a whole number' });

/** The query of `GET /api/v1/reports/sessions` (contract C9). */
export class SessionListQuery {
  /** A prefix of a session id, or a whole media id. */
  @ValidateIf((q: SessionListQuery) => q.q !== undefined)
  @MaxLength(256, { message: 'must be at most 256 characters' })
  q?: string;

  /** Sessions started before this instant (the last `startedAt` of a page, for the next one). */
  @ValidateIf((q: SessionListQuery) => q.before !== undefined)
  @IsSummaryInstant({ message: INSTANT_MESSAGE })
  before?: string;

  @ValidateIf((q: SessionListQuery) => q.limit !== undefined)
  @Whole()
  limit?: string;
}

/** The query of `GET /api/v1/reports/sessions/{sid}/events`. */
export class SessionEventsQuery {
  /** The last `seq` of the page before. */
  @ValidateIf((q: SessionEventsQuery) => q.after !== undefined)
  @Whole()
  after?: string;

  @ValidateIf((q: SessionEventsQuery) => q.limit !== undefined)
  @Whole()
  limit?: string;
}
