import {
  type BeforeApplicationShutdown,
  GoneException,
  HttpException,
  HttpStatus,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { withinDeadline } from '../database/deadline.js';
import { MicroBatcher } from '../database/micro-batcher.js';
import { WriteRefused } from '../database/write-refused.js';
import { WriteSlots } from '../database/write-slots.js';
import { repeatsIn } from '../media/event-identity.js';
import { MCA_ORIGIN, type SessionOrigin } from '../media/wire-format.js';
import { SESSION_ID_PATTERN, newSessionId } from '../media/session-id.js';
import { Metrics } from '../metrics/metrics.js';
import { type EventBody, type SessionStartBody } from './dto/event-bodies.js';
import { eventTexts } from './event-texts.js';
import { type OpenSession, type StoredEvent } from './session-reads.js';
import { SessionLifecycle } from '../lifecycle/lifecycle.js';
import { type AppendOutcome, type SessionLimits } from '../lifecycle/session-lifecycle.js';
import {
  type NewEvent,
  type NewSession,
  type SessionEvent,
  SessionsRepository,
  storedBytes,
} from './sessions.repository.js';

type AnyEventBody = SessionStartBody | EventBody;

function toNewEvent(body: AnyEventBody): NewEvent {
  return {
    eventType: body.eventType,
    ts: body.playerTime.ts,
    playhead: body.playerTime.playhead,
    params: body.params,
    qoeData: body.qoeData,
    customMetadata: body.customMetadata,
  };
}

/**
 * Bytes of event bodies waiting to be written, at most: while the database is slow or away, a
 * queue of large bodies holds no more memory than this (a ping is a few hundred bytes, so the
 * count limit comes first for ordinary traffic).
 */
const WRITE_QUEUE_MAX_BYTES = 16 << 20;

/**
 * Whole offline sessions (up to 4 MiB each) written at once, and bytes of them waiting for a turn:
 * a few large writes must not take every connection the pings need, nor a queue of them hold
 * unbounded memory while the database is slow.
 */
const OFFLINE_WRITES_IN_FLIGHT = 2;
const OFFLINE_WRITES_WAITING_BYTES = 64 << 20;

/** A batch of events or session starts is one statement and one commit; 500 bounds its parameters. */
const MAX_BATCH = 500;
/**
 * Batches of one kind being written at once. While one batch commits, arrivals gather into the
 * next, so batches grow with the load and each statement's fixed cost (commit, executor start) is
 * shared by more events. Measured on the ping load (64 connections, embedded PostgreSQL 18): one
 * writer used about 77 µs of PostgreSQL CPU per event, two about 89, four about 98, for the same
 * throughput within the run-to-run noise.
 */
const WRITES_IN_FLIGHT = 1;

@Injectable()
export class SessionsService implements BeforeApplicationShutdown {
  private readonly limits: SessionLimits;
  private readonly eventWrites: MicroBatcher<SessionEvent, AppendOutcome>;
  private readonly sessionWrites: MicroBatcher<NewSession, boolean>;
  private readonly deadlineMs: number;
  private readonly offlineWrites = new WriteSlots(
    OFFLINE_WRITES_IN_FLIGHT,
    OFFLINE_WRITES_WAITING_BYTES,
  );
  private readiness: Promise<void> | undefined;

  constructor(
    private readonly sessions: SessionsRepository,
    config: AppConfig,
    private readonly metrics: Metrics,
    lifecycle: SessionLifecycle,
  ) {
    this.limits = lifecycle.limits;
    this.deadlineMs = config.requestDeadlineMs;
    // While the database is slow or away, requests wait at most the deadline and the queue stays
    // bounded, so memory does too (contract C6: a bounded 503, never a hang).
    const batching = {
      maxBatch: MAX_BATCH,
      maxConcurrent: WRITES_IN_FLIGHT,
      maxQueued: config.writeQueueLimit,
      deadlineMs: config.requestDeadlineMs,
    };
    // Metrics are counted per batch, not per request: one increment for many events.
    this.eventWrites = new MicroBatcher<SessionEvent, AppendOutcome>(
      async (events) => {
        const { outcomes, sessionsEnded } = await sessions.appendEvents(events);
        metrics.eventOutcomes(outcomes);
        metrics.sessionsClosed('end', sessionsEnded);
        return outcomes;
      },
      {
        ...batching,
        onBatch: metrics.batchObserver('events'),
        weigh: (event) => event.texts?.bytes ?? 0,
        maxQueuedWeight: WRITE_QUEUE_MAX_BYTES,
      },
    );
    this.sessionWrites = new MicroBatcher(
      async (starts) => {
        const stored = await sessions.createSessions(starts);
        metrics.sessionsStarted(stored.filter(Boolean).length);
        return stored;
      },
      { ...batching, onBatch: metrics.batchObserver('session-starts') },
    );
    metrics.countOpenSessionsWith(() => sessions.countOpenSessions());
  }

  /** Everything accepted is written before the pool closes. */
  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([this.eventWrites.drain(), this.sessionWrites.drain()]);
  }

  /**
   * Whether the service can take writes now (readiness): the write queue has room and the
   * database grants a write's locks within `ms`. Checks asked for while a probe runs share it:
   * `/health` is not rate limited, and a flood of readiness checks must not take the connections
   * the writes need.
   */
  probeWritable(ms: number): Promise<void> {
    if (this.eventWrites.full || this.sessionWrites.full) {
      return Promise.reject(new WriteRefused('queue-full'));
    }
    if (!this.readiness) {
      this.readiness = this.sessions.probeWritable(ms).finally(() => {
        this.readiness = undefined;
      });
      this.readiness.catch(() => undefined);
    }
    return this.readiness;
  }

  /**
   * Live sessions (C4), in pages of at most `limit` in key order: pass the last id of a page as
   * `after` for the next. For modules of others; reads never take a connection a write needs.
   */
  async openSessions(after = '', limit = 100): Promise<OpenSession[]> {
    if (!(after === '' || SESSION_ID_PATTERN.test(after))) throw unknownSession();
    return this.sessions.openSessions(after, Math.min(Math.max(1, limit), 1_000));
  }

  /**
   * Every stored event of a session, in arrival order, read `pageSize` at a time; with
   * `afterSeq`, those after that `seq` (a page of a list the caller shows).
   */
  async *sessionEvents(
    sessionId: string,
    pageSize = 500,
    afterSeq = 0,
  ): AsyncGenerator<StoredEvent> {
    if (!SESSION_ID_PATTERN.test(sessionId)) throw unknownSession();
    for (let after = afterSeq; ;) {
      const page = await this.sessions.sessionEvents(sessionId, after, pageSize);
      yield* page;
      if (page.length < pageSize) return;
      after = page[page.length - 1].seq;
    }
  }

  /** Stores a validated sessionStart durably and returns the new session's id (contract C2, C10). */
  async startSession(body: SessionStartBody, origin = MCA_ORIGIN): Promise<string> {
    return this.withFreshId(this.newSession(body, [], false, 0, origin), (session) =>
      this.sessionWrites.submit(session),
    );
  }

  /**
   * Stores a whole offline session, closed at once (contract C7); returns its id. What follows
   * the first sessionEnd is left out (it would be 410 online), repeated events (the same whole
   * body) are stored once, as retries are online, and the cap applies.
   */
  async storeDownloadedSession(
    start: SessionStartBody,
    events: readonly EventBody[],
    origin = MCA_ORIGIN,
  ): Promise<string> {
    const end = events.findIndex((event) => event.eventType === 'sessionEnd');
    const played = (end < 0 ? events : events.slice(0, end + 1)).map(toNewEvent);
    const repeatOf = repeatsIn(played);
    const distinct = played.filter((_, i) => repeatOf[i] < 0);
    // A sessionEnd is always taken (C3), so it does not count against the cap.
    const counted = distinct.filter((event) => event.eventType !== 'sessionEnd').length;
    if (counted + 1 > this.limits.maxEvents) throw this.capReached();
    const session = this.newSession(start, distinct, true, played.length - distinct.length, origin);
    const bytes = storedBytes(session.events);
    if (bytes > this.limits.maxBytes) throw this.capReached();
    const id = await this.withFreshId(session, (attempt) =>
      withinDeadline(
        this.offlineWrites.run(
          bytes,
          async () => (await this.sessions.createSessions([attempt]))[0],
        ),
        this.deadlineMs,
      ),
    );
    this.metrics.sessionsStarted();
    this.metrics.sessionsClosed('downloaded');
    return id;
  }

  /**
   * Stores a new session, under a new id while its id's key (its first 8 bytes) is taken by
   * another session: about once in 2^64 / sessions stored, so a third try never happens.
   */
  private async withFreshId(
    session: NewSession,
    store: (session: NewSession) => Promise<boolean>,
  ): Promise<string> {
    for (
      let attempt = session, tries = 1;
      ;
      attempt = { ...session, id: newSessionId() }, tries += 1
    ) {
      if (await store(attempt)) return attempt.id;
      if (tries === 3) throw new Error('three new session ids in a row had keys already taken');
    }
  }

  /** Stores one event of an open session (contract C3, C4), or says why not. */
  async recordEvent(sessionId: string, body: EventBody): Promise<void> {
    if (!SESSION_ID_PATTERN.test(sessionId)) {
      this.metrics.eventOutcomes(['unknown']);
      throw unknownSession();
    }
    const event = toNewEvent(body);
    // Its JSON is made now, once: it weighs the event in the queue and is what gets written.
    this.answer(await this.eventWrites.submit({ sessionId, ...event, texts: eventTexts(event) }));
  }

  private answer(outcome: AppendOutcome): void {
    switch (outcome) {
      case 'accepted':
      case 'retry':
      case 'ignored':
        return;
      case 'unknown':
        throw unknownSession();
      case 'closed':
        throw new GoneException('The session is closed; start a new session.');
      case 'capped':
        throw this.capReached();
      default:
        throw new Error('the repository gave no outcome for the event');
    }
  }

  private capReached(): HttpException {
    return new HttpException(
      `A session holds at most ${this.limits.maxEvents} events and ${this.limits.maxBytes} bytes of event bodies.`,
      HttpStatus.TOO_MANY_REQUESTS,
    );
  }

  private newSession(
    start: SessionStartBody,
    events: readonly NewEvent[],
    downloaded: boolean,
    retries: number,
    origin: SessionOrigin,
  ): NewSession {
    const params = downloaded ? { ...start.params, 'media.downloaded': true } : start.params;
    return {
      id: newSessionId(),
      reportSuite: params['analytics.reportSuite'] ?? '',
      mediaId: params['media.id'],
      contentType: params['media.contentType'],
      mediaLength: params['media.length'],
      params,
      downloaded,
      retries,
      events: [{ ...toNewEvent(start), params }, ...events],
      ...origin,
    };
  }
}

function unknownSession(): NotFoundException {
  return new NotFoundException('No session has this id.');
}
