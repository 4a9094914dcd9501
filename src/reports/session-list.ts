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

/** One stored event of `GET /api/v1/reports/sessions/{sid}/events`, in arrival order. */
export interface SessionEventItem {
  readonly seq: number;
  readonly eventType: string;
  /** Player time (ms) and playhead (s), as sent. */
  readonly ts: number;
  readonly playhead: number;
  /** When the service stored it. */
  readonly receivedAt: Date;
  readonly params: Record<string, unknown> | null;
  readonly qoeData: Record<string, unknown> | null;
  readonly customMetadata: Record<string, unknown> | null;
}

/** A search term names a session by a prefix of its id, or a media by its whole id. */
export const SESSION_ID_PREFIX = /^[0-9a-f]{1,64}$/;
