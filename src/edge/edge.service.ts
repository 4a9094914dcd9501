import { Injectable, NotFoundException } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ContractViolation } from '../common/validation/contract-violation.exception.js';
import { ACCEPTABLE_ID } from '../common/http/request-id.js';
import { type FieldError, MAX_FIELD_ERRORS } from '../common/validation/field-error.js';
import { type SessionOrigin } from '../media/wire-format.js';
import { type EventBody, type SessionStartBody } from '../sessions/dto/event-bodies.js';
import { eventBodyErrors } from '../sessions/event-checks.js';
import { SessionsService } from '../sessions/sessions.service.js';
import {
  type EdgeEvent,
  edgeEvents,
  isJsonObject,
  mediaEventParts,
  dateTimeMs,
} from './edge-request.js';
import { EdgeStarts } from './edge-starts.js';
import { hasIdentity, identityCookieName, identityHandle } from './edge-identity.js';
import { edgeRequestId } from './edge-problem.js';
import { type MappedEvent, mapXdmEvent } from './xdm-event.js';
import { type EdgeEventName, isEdgeEventName } from './xdm-fields.js';

/** What the Edge paths are asked with, beside the body. */
export interface EdgeQuery {
  readonly configId?: unknown;
  readonly requestId?: unknown;
}

/** A handle of an Edge answer (contract C10). */
export interface EdgeHandle {
  readonly type: string;
  readonly payload: readonly object[];
  readonly eventIndex?: number;
}

/** The 200 body of the Edge paths that answer with handles. */
export interface EdgeAnswer {
  readonly requestId: string;
  readonly handle: readonly EdgeHandle[];
}

const sessionHandle = (sessionId: string, eventIndex: number): EdgeHandle => ({
  type: 'media-analytics:new-session',
  payload: [{ sessionId }],
  eventIndex,
});

/** Sessions one `va/v1/downloaded` request may carry: each is a start the rate limit does not see. */
const MAX_DOWNLOADED_SESSIONS = 16;

/** What a retry of a start names again: its datastream, its requestId and the event's index. */
const retryKey = (query: EdgeQuery, origin: SessionOrigin, index: number) => {
  const requestId = edgeRequestId(query);
  return requestId && `${origin.configId}/${requestId}#${index}`;
};

/**
 * The Media Edge API on the collection engine (contract C10): each request is checked as far as
 * only the XDM can be wrong, mapped onto the MCA event it stands for, judged by the same event
 * catalogue, and handed to the same sessions service, so an Edge session is stored, closed,
 * measured and reported like any other.
 */
@Injectable()
export class EdgeService {
  private readonly starts = new EdgeStarts();
  private readonly identityCookie: string | undefined;

  constructor(
    private readonly sessions: SessionsService,
    private readonly config: AppConfig,
  ) {
    this.identityCookie = config.edgeOrgId && identityCookieName(config.edgeOrgId);
  }

  /** `POST va/v1/sessionStart`: 200 with the new session's handle. */
  async startSession(body: unknown, query: EdgeQuery, fallbackId: string): Promise<EdgeAnswer> {
    const origin = this.origin(query);
    const [event] = this.oneEvent(body);
    const start = await this.checkedStart(event);
    const sessionId = await this.store(start, origin, retryKey(query, origin, 0));
    return { requestId: edgeRequestId(query) ?? fallbackId, handle: [sessionHandle(sessionId, 0)] };
  }

  /** `POST va/v1/{name}`, every event but a start: stored like an MCA event (204). */
  async recordEvent(name: string, body: unknown): Promise<void> {
    const shape = this.eventName(name);
    const [event] = this.oneEvent(body);
    const mapped = this.mapped(event, shape);
    const sid = mapped.sessionId;
    const at = `${event.path}.mediaCollection.sessionID`;
    const problems = [...mapped.problems];
    if (sid === undefined) problems.push({ path: at, message: 'is required' });
    await this.judged(mapped, problems);
    // Any id but 64 hex characters names no session (contract C10): 404, as an unknown one.
    await this.sessions.recordEvent(
      typeof sid === 'string' ? sid : '',
      mapped.body as unknown as EventBody,
    );
  }

  /**
   * `POST va/v1/downloaded`: each event a whole offline session (`mediaDownloadedEvents`, its
   * sessionStart first), all checked before any is stored; 200 with a handle for each.
   */
  async storeDownloaded(body: unknown, query: EdgeQuery, fallbackId: string): Promise<EdgeAnswer> {
    const origin = this.origin(query);
    const events = edgeEvents(body);
    if (events.length > MAX_DOWNLOADED_SESSIONS) {
      throw new ContractViolation([
        { path: '$.events', message: `must hold at most ${MAX_DOWNLOADED_SESSIONS} sessions` },
      ]);
    }
    const sessions: MappedEvent[][] = [];
    const errors: FieldError[] = [];
    for (const event of events) {
      if (errors.length > MAX_FIELD_ERRORS) break;
      const session = this.downloadedSession(event, errors);
      sessions.push(session);
      for (const mapped of session) {
        if (errors.length > MAX_FIELD_ERRORS) break;
        errors.push(...(await this.errorsOf(mapped, mapped.problems)));
      }
    }
    if (errors.length > 0) throw new ContractViolation(errors);
    const handle: EdgeHandle[] = [];
    // Each session apart, under its own retry key: a retry after a failure on one stores only
    // the ones not stored yet.
    for (const [index, session] of sessions.entries()) {
      const [start, ...rest] = session.map((e) => e.body);
      const id = await this.starts.once(retryKey(query, origin, index), () =>
        this.sessions.storeDownloadedSession(
          start as unknown as SessionStartBody,
          rest as unknown as EventBody[],
          origin,
        ),
      );
      handle.push(sessionHandle(id, index));
    }
    return { requestId: edgeRequestId(query) ?? fallbackId, handle };
  }

  /**
   * `POST v1/interact` (and `collect`), through which Adobe's Web SDK starts a media session: a
   * `media.sessionStart` event starts one; other events are accepted and ignored. With
   * `EDGE_ORG_ID`, a browser without the identity cookie is given one.
   */
  async interact(
    body: unknown,
    query: EdgeQuery,
    cookies: unknown,
    fallbackId: string,
  ): Promise<EdgeAnswer> {
    const handle: EdgeHandle[] = [];
    const starts = edgeEvents(body, 'skip').filter(
      (event) => event.xdm.eventType === 'media.sessionStart',
    );
    // The Web SDK starts one media session per request; more would start sessions past the
    // per-address limit on starts, which counts requests.
    if (starts.length > 1) {
      throw new ContractViolation([
        { path: starts[1].path, message: 'is a second media.sessionStart in one request' },
      ]);
    }
    const [event] = starts;
    if (event) {
      const origin = this.origin(query);
      const start = await this.checkedStart(event);
      const sessionId = await this.store(start, origin, retryKey(query, origin, event.index));
      handle.push(sessionHandle(sessionId, event.index));
    }
    if (this.config.edgeOrgId && !hasIdentity(this.identityCookie!, cookies, body)) {
      handle.push(identityHandle(this.config.edgeOrgId));
    }
    return { requestId: edgeRequestId(query) ?? fallbackId, handle };
  }

  /** A start's mapped body, refused (400) unless valid. */
  private async checkedStart(event: EdgeEvent): Promise<MappedEvent> {
    const mapped = this.mapped(event, 'sessionStart');
    await this.judged(mapped, mapped.problems);
    return mapped;
  }

  private store(
    start: MappedEvent,
    origin: SessionOrigin,
    key: string | undefined,
  ): Promise<string> {
    return this.starts.once(key, () =>
      this.sessions.startSession(start.body as unknown as SessionStartBody, origin),
    );
  }

  /** A downloaded session's events mapped, their XDM problems added to `problems`. */
  private downloadedSession(event: EdgeEvent, problems: FieldError[]): MappedEvent[] {
    const { xdm, path } = event;
    const before = problems.length;
    if (xdm.eventType !== 'media.downloaded') {
      problems.push({ path: `${path}.eventType`, message: 'must be media.downloaded' });
    }
    const list = xdm.mediaDownloadedEvents;
    if (!Array.isArray(list) || list.length === 0) {
      problems.push({
        path: `${path}.mediaDownloadedEvents`,
        message: 'must be a non-empty array of events',
      });
      return [];
    }
    const most = this.config.sessionMaxEvents + 1;
    if (list.length > most) {
      problems.push({
        path: `${path}.mediaDownloadedEvents`,
        message: `must hold at most ${most} events`,
      });
      return [];
    }
    const events: MappedEvent[] = [];
    for (const [i, item] of (list as unknown[]).entries()) {
      if (problems.length > MAX_FIELD_ERRORS) break;
      const at = `${path}.mediaDownloadedEvents[${i}]`;
      if (!isJsonObject(item)) {
        problems.push({ path: at, message: 'must be a JSON object' });
        continue;
      }
      const type = typeof item.mediaEventType === 'string' ? item.mediaEventType : '';
      const name = type.replace(/^media\./, '');
      const ts = dateTimeMs(item.mediaEventTimestamp);
      if (!isEdgeEventName(name) || (i === 0) !== (name === 'sessionStart')) {
        problems.push({
          path: `${at}.mediaEventType`,
          message:
            i === 0
              ? 'must be media.sessionStart: a downloaded session starts with it'
              : 'must be a media event other than media.sessionStart',
        });
      }
      if (ts === undefined) {
        problems.push({
          path: `${at}.mediaEventTimestamp`,
          message: 'must be an RFC 3339 date-time with a zone',
        });
      }
      if (!isJsonObject(item.mediaCollection)) {
        problems.push({ path: `${at}.mediaCollection`, message: 'must be a JSON object' });
      }
      if (problems.length > before || !isEdgeEventName(name)) continue;
      events.push(
        mapXdmEvent(
          name,
          item.mediaCollection as Record<string, unknown>,
          ts!,
          `${at}.mediaCollection`,
          `${at}.mediaEventTimestamp`,
        ),
      );
    }
    return events;
  }

  private mapped(event: EdgeEvent, name: EdgeEventName): MappedEvent {
    const { ts, mediaCollection } = mediaEventParts(event, `media.${name}`);
    return mapXdmEvent(
      name,
      mediaCollection,
      ts,
      `${event.path}.mediaCollection`,
      `${event.path}.timestamp`,
    );
  }

  /** Refuses (400) a mapped event that the XDM checks or the event catalogue refuse. */
  private async judged(mapped: MappedEvent, problems: readonly FieldError[]): Promise<void> {
    const errors = await this.errorsOf(mapped, problems);
    if (errors.length > 0) throw new ContractViolation(errors);
  }

  /** The XDM's own problems, then the catalogue's errors at their XDM paths (one per path). */
  private async errorsOf(
    mapped: MappedEvent,
    problems: readonly FieldError[],
  ): Promise<FieldError[]> {
    const errors = [...problems];
    const named = new Set(problems.map((p) => p.path));
    // Two MCA members may come from one XDM member (a statesUpdate's params and its lists).
    for (const error of await eventBodyErrors(mapped.body, 'edge')) {
      const path = mapped.xdmPath(error.path);
      if (named.has(path)) continue;
      named.add(path);
      errors.push({ path, message: error.message });
    }
    return errors;
  }

  private oneEvent(body: unknown): [EdgeEvent] {
    const events = edgeEvents(body);
    if (events.length !== 1) {
      throw new ContractViolation([
        { path: '$.events', message: 'must hold exactly one media event on this path' },
      ]);
    }
    return [events[0]];
  }

  private eventName(name: string): Exclude<EdgeEventName, 'sessionStart'> {
    if (!isEdgeEventName(name) || name === 'sessionStart') {
      throw new NotFoundException('The Media Edge API has no such path.');
    }
    return name;
  }

  /** `configId`, Adobe's datastream id: required where a session starts (contract C10). */
  private origin(query: EdgeQuery): SessionOrigin {
    const { configId } = query;
    // Adobe's datastream ids are UUIDs; any short plain id is taken.
    if (typeof configId !== 'string' || !ACCEPTABLE_ID.test(configId)) {
      throw new ContractViolation([
        {
          path: 'configId',
          message:
            configId === undefined
              ? 'is required in the query (the datastream id)'
              : 'must be a datastream id of letters, digits and ._:- (at most 128)',
        },
      ]);
    }
    return { wireFormat: 'edge', configId };
  }
}
