/** A live session, as the published read API lists it. */
export interface OpenSession {
  /** The wire id (64 hex characters, C2). */
  readonly id: string;
  readonly mediaId: string;
  readonly contentType: string;
  readonly startedAt: Date;
  readonly lastEventAt: Date;
  /** `starting`, `playing`, `paused`, `buffering` or `inAd` (C5). */
  readonly state: string;
  readonly events: number;
}

/** One stored event of a session, in arrival order (`seq`). */
export interface StoredEvent {
  readonly seq: number;
  readonly eventType: string;
  readonly ts: number;
  readonly playhead: number;
  readonly params: Record<string, unknown> | null;
  readonly qoeData: Record<string, unknown> | null;
  readonly customMetadata: Record<string, unknown> | null;
  readonly receivedAt: Date;
}
