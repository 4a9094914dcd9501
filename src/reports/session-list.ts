/** One row of `GET /api/v1/reports/sessions` (contract C9): a session, newest first. */
export interface SessionListItem {
  readonly sessionId: string;
  readonly mediaId: string;
  readonly startedAt: Date;
  readonly lastEventAt: Date;
  /** null while the session is open. */
  readonly closeReason: string | null;
  readonly wireFormat: string;
  readonly eventCount: number;
}

/** A search term names a session by a prefix of its id, or a media by its whole id. */
export const SESSION_ID_PREFIX = /^[0-9a-f]{1,64}$/;
