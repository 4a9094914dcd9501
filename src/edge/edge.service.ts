import { Injectable, NotFoundException } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ContractViolation } from '../common/validation/contract-violation.exception.js';
import { type FieldError } from '../common/validation/field-error.js';
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

/** Adobe's datastream ids are UUIDs; any short plain id is taken. */
const CONFIG_ID = /^[A-Za-z0-9._:-]{1,128}$/;

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
    const requestId = edgeRequestId(query) ?? fallbackId;
    const sessionId = await this.start(event, origin, edgeRequestId(query));
    return { requestId, handle: [sessionHandle(sessionId, 0)] };
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
    else if (typeof sid !== 'string') problems.push({ path: at, message: 'must be a string' });
    await this.judged(mapped, problems);
    await this.sessions.recordEvent(sid as string, mapped.body as unknown as EventBody);
  }

  /**
   * `POST va/v1/downloaded`: each event a whole offline session (`mediaDownloadedEvents`, its
   * sessionStart first), all checked before any is stored; 200 with a handle for each.
   */
  async storeDownloaded(body: unknown, query: EdgeQuery, fallbackId: string): Promise<EdgeAnswer> {
    const origin = this.origin(query);
    const sessions = edgeEvents(body).map((event) => this.downloadedSession(event));
    const errors = (await Promise.all(sessions.map((s) => s.errors))).flat();
    if (errors.length > 0) throw new ContractViolation(errors);
    const handle: EdgeHandle[] = [];
    for (const [index, { events }] of sessions.entries()) {
      const [start, ...rest] = events.map((e) => e.body);
      const id = await this.sessions.storeDownloadedSession(
        start as unknown as SessionStartBody,
        rest as unknown as EventBody[],
        origin,
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
    const events = edgeEvents(body);
    const requestId = edgeRequestId(query);
    const handle: EdgeHandle[] = [];
    const starts = events.filter((event) => event.xdm.eventType === 'media.sessionStart');
    if (starts.length > 0) {
      const origin = this.origin(query);
      for (const event of starts) {
        const retryKey = requestId && `${requestId}#${event.index}`;
        handle.push(sessionHandle(await this.start(event, origin, retryKey), event.index));
      }
    }
    if (this.config.edgeOrgId && !hasIdentity(this.identityCookie!, cookies, body)) {
      handle.push(identityHandle(this.config.edgeOrgId));
    }
    return { requestId: requestId ?? fallbackId, handle };
  }

  private async start(
    event: EdgeEvent,
    origin: SessionOrigin,
    requestId: string | undefined,
  ): Promise<string> {
    const mapped = this.mapped(event, 'sessionStart');
    await this.judged(mapped, mapped.problems);
    return this.starts.once(requestId, () =>
      this.sessions.startSession(mapped.body as unknown as SessionStartBody, origin),
    );
  }

  private downloadedSession(event: EdgeEvent): {
    events: MappedEvent[];
    errors: Promise<FieldError[]>;
  } {
    const { xdm, path } = event;
    const problems: FieldError[] = [];
    if (xdm.eventType !== 'media.downloaded') {
      problems.push({ path: `${path}.eventType`, message: 'must be media.downloaded' });
    }
    const list = xdm.mediaDownloadedEvents;
    if (!Array.isArray(list) || list.length === 0) {
      problems.push({
        path: `${path}.mediaDownloadedEvents`,
        message: 'must be a non-empty array of events',
      });
      return { events: [], errors: Promise.resolve(problems) };
    }
    const events: MappedEvent[] = [];
    list.forEach((item: unknown, i) => {
      const at = `${path}.mediaDownloadedEvents[${i}]`;
      if (!isJsonObject(item)) {
        problems.push({ path: at, message: 'must be a JSON object' });
        return;
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
      if (problems.length > 0 || !isEdgeEventName(name)) return;
      events.push(
        mapXdmEvent(
          name,
          item.mediaCollection as Record<string, unknown>,
          ts!,
          `${at}.mediaCollection`,
          `${at}.mediaEventTimestamp`,
        ),
      );
    });
    const errors =
      problems.length > 0
        ? Promise.resolve(problems)
        : Promise.all(events.map((mapped) => this.errorsOf(mapped, mapped.problems))).then((each) =>
            each.flat(),
          );
    return { events, errors };
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
    if (typeof configId !== 'string' || !CONFIG_ID.test(configId)) {
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
