import { type AppConfig } from '../../config/app-config.js';
import { type EventType } from '../../media/event-catalogue.js';
import { acceptsSessionEvent, acceptsSessionStart } from './compiled-event-checks.js';
import { EVENT_DTOS, sessionEventDtoFor } from './event-rules.js';

export interface PlayerTime {
  readonly playhead: number;
  readonly ts: number;
}

/**
 * A validated event body, exactly as the player sent it. The classes are the handlers' parameter
 * types; their static `validateAs` tells the global pipe which catalogue-built DTO applies, and
 * `accepts` is the same rules compiled into a fast check.
 */
export class EventBody {
  static validateAs = sessionEventDtoFor;
  static accepts = acceptsSessionEvent;

  readonly playerTime: PlayerTime;
  readonly eventType: Exclude<EventType, 'sessionStart'>;
  readonly params?: Record<string, unknown>;
  readonly qoeData?: Record<string, unknown>;
  readonly customMetadata?: Record<string, string>;
}

export interface SessionStartParams extends Record<string, unknown> {
  /** Required on the MCA; a Media Edge session has none (contract C10). */
  readonly 'analytics.reportSuite'?: string;
  readonly 'media.id': string;
  readonly 'media.contentType': string;
  readonly 'media.length': number;
}

/** The body of `POST /api/v1/sessions` (contract C1, C2). */
export class SessionStartBody {
  static validateAs = () => EVENT_DTOS.sessionStart;
  static accepts = acceptsSessionStart;

  readonly playerTime: PlayerTime;
  readonly eventType: 'sessionStart';
  readonly params: SessionStartParams;
  readonly qoeData?: Record<string, unknown>;
  readonly customMetadata?: Record<string, string>;
}

/** The body of `POST /api/v1/downloaded`: a sessionStart, then the session's events (contract C7). */
export class DownloadedSessionBody {
  static readonly each = true;
  /** The session's events up to the cap (its sessionStart among them), and its sessionEnd (C3). */
  static maxElements = (config: AppConfig) => config.sessionMaxEvents + 1;
  static validateAs = (element: unknown, index: number) =>
    index === 0 ? EVENT_DTOS.sessionStart : sessionEventDtoFor(element);
  static accepts = (element: unknown, index: number) =>
    index === 0 ? acceptsSessionStart(element) : acceptsSessionEvent(element);
}

export type DownloadedSession = readonly [SessionStartBody, ...EventBody[]];

/**
 * The body of `POST /api/v1/sessions`: a sessionStart, or a whole offline session as a JSON array,
 * which Adobe's iOS and Android SDKs send there (contract C2, C7).
 */
export class SessionsPostBody {
  static bodyTypeFor = (body: unknown) =>
    Array.isArray(body) ? DownloadedSessionBody : SessionStartBody;
}

export type SessionsPost = SessionStartBody | DownloadedSession;
