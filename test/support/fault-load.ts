import http from 'node:http';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { aSessionStart, anEvent } from './factories.js';

/**
 * A load driver for the fault scenarios: `workers` loops, each over its own keep-alive connection,
 * that start sessions and send their events (increasing `playerTime.ts` per session), and record
 * the outcome of every request: the status (with the headers and body of anything but a 2xx), or
 * the network error and whether the connection it failed on had already been established.
 * Everything acknowledged (201 -> sid, 204 -> (sid, eventType, ts)) is kept, so that
 * `verifyStored` can check it in the database afterwards.
 */

export type RequestKind = 'session' | 'event';

export interface RequestRecord {
  readonly worker: number;
  readonly kind: RequestKind;
  readonly sid?: string;
  readonly eventType: string;
  readonly ts: number;
  /** performance.now() when the request was issued / when its outcome was known. */
  readonly startedAt: number;
  endedAt: number;
  /** The HTTP status, when a complete response arrived. */
  status?: number;
  /** Response headers of a non-2xx answer (and `connection` of every answer). */
  headers?: http.IncomingHttpHeaders;
  /** Response body of a non-2xx answer. */
  body?: string;
  /** The network error: its code (`ECONNRESET`, `ECONNREFUSED`, `EPIPE`, ...), or a label. */
  error?: string;
  /** The error's message (e.g. "socket hang up"). */
  errorMessage?: string;
  /** The request went out on a kept-alive connection that earlier requests had used. */
  reusedSocket: boolean;
  /** The TCP connection was established (connected or reused) before the outcome. */
  connected: boolean;
  /** A status line had arrived before the error (the response was cut short). */
  responseStarted: boolean;
  /** Which connection of the worker carried it (1, 2, ...). */
  connection: number;
}

export interface AckedSession {
  readonly sid: string;
  readonly ts: number;
}

export interface AckedEvent {
  readonly sid: string;
  readonly eventType: string;
  readonly ts: number;
}

export interface Acknowledged {
  readonly sessions: AckedSession[];
  readonly events: AckedEvent[];
}

export interface LoadOptions {
  readonly baseUrl: string;
  /** Concurrent workers, one keep-alive connection each. */
  readonly workers?: number;
  /** Events sent on a session before the worker starts a new one. */
  readonly eventsPerSession?: number;
  /** A request without an outcome after this long is destroyed and recorded as `CLIENT_TIMEOUT`. */
  readonly requestTimeoutMs?: number;
  /** A worker waits this long after a failure (non-2xx or network error) before its next request. */
  readonly pauseAfterFailureMs?: number;
}

/** The event types the workers cycle through (no sessionEnd: sessions stay open). */
const EVENT_CYCLE = [
  'play',
  'ping',
  'bitrateChange',
  'ping',
  'pauseStart',
  'ping',
  'play',
  'bufferStart',
  'ping',
  'stateStart',
  'play',
  'ping',
  'chapterStart',
  'ping',
  'error',
  'ping',
] as const;

const SESSION_PATH = /^\/api\/v1\/sessions\/([0-9a-f]{64})$/;

export class LoadDriver {
  readonly records: RequestRecord[] = [];
  readonly acked: Acknowledged = { sessions: [], events: [] };
  private running = false;
  private loops: Promise<void>[] = [];
  private readonly agents: http.Agent[] = [];
  private readonly target: { host: string; port: number };
  private readonly workers: number;
  private readonly eventsPerSession: number;
  private readonly requestTimeoutMs: number;
  private readonly pauseAfterFailureMs: number;
  private startedAt = 0;
  private stoppedAt = 0;
  /** Player timestamps: unique and increasing across the whole run. */
  private nextTs = Date.now();

  constructor(options: LoadOptions) {
    const url = new URL(options.baseUrl);
    this.target = { host: url.hostname, port: Number(url.port) };
    this.workers = options.workers ?? 32;
    this.eventsPerSession = options.eventsPerSession ?? 20;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.pauseAfterFailureMs = options.pauseAfterFailureMs ?? 50;
  }

  start(): void {
    if (this.running) throw new Error('the load is already running');
    this.running = true;
    this.startedAt = performance.now();
    for (let worker = 1; worker <= this.workers; worker += 1) {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
      this.agents.push(agent);
      this.loops.push(this.loop(worker, agent));
    }
  }

  /** Stops the workers, waits for the requests in flight to end, closes the connections. */
  async stop(): Promise<void> {
    if (!this.running && this.loops.length === 0) return;
    this.running = false;
    await Promise.all(this.loops);
    this.loops = [];
    this.stoppedAt = performance.now();
    for (const agent of this.agents) agent.destroy();
  }

  get durationMs(): number {
    return (this.stoppedAt || performance.now()) - this.startedAt;
  }

  private async loop(worker: number, agent: http.Agent): Promise<void> {
    const connection = { count: 0 };
    let sid: string | undefined;
    let sent = 0;
    while (this.running) {
      let record: RequestRecord;
      if (!sid || sent >= this.eventsPerSession) {
        record = await this.send(worker, agent, connection, 'session', undefined, 'sessionStart');
        const location = record.status === 201 ? record.headers?.location : undefined;
        const match = typeof location === 'string' ? SESSION_PATH.exec(location) : null;
        if (record.status === 201 && match?.[1]) {
          sid = match[1];
          sent = 0;
          this.acked.sessions.push({ sid, ts: record.ts });
        } else if (record.status === 201) {
          record.error = 'NO_LOCATION';
        }
      } else {
        const eventType = EVENT_CYCLE[sent % EVENT_CYCLE.length];
        sent += 1;
        record = await this.send(worker, agent, connection, 'event', sid, eventType);
        if (record.status === 204) this.acked.events.push({ sid, eventType, ts: record.ts });
      }
      const failed = record.status === undefined || record.status >= 300;
      if (failed && this.running && this.pauseAfterFailureMs > 0) {
        await new Promise((resolve) => setTimeout(resolve, this.pauseAfterFailureMs));
      }
    }
  }

  private send(
    worker: number,
    agent: http.Agent,
    connection: { count: number },
    kind: RequestKind,
    sid: string | undefined,
    eventType: string,
  ): Promise<RequestRecord> {
    this.nextTs += 1;
    const ts = this.nextTs;
    const payload = JSON.stringify(loadBody(kind, eventType, ts));
    const path = kind === 'session' ? '/api/v1/sessions' : `/api/v1/sessions/${sid}/events`;
    const record = startRecord(worker, kind, sid, eventType, ts);
    this.records.push(record);

    return new Promise<RequestRecord>((resolve) => {
      const settle = settleOnce(record, resolve);
      const fail = (error: NodeJS.ErrnoException) => {
        settle({
          error: record.responseStarted ? 'RESPONSE_CUT_SHORT' : (error.code ?? error.message),
          errorMessage: error.message,
        });
      };
      const req = http.request(
        {
          ...this.target,
          agent,
          method: 'POST',
          path,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(payload)),
          },
        },
        (res) => {
          record.responseStarted = true;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', fail);
          res.on('close', () => {
            if (!res.complete) {
              fail(Object.assign(new Error('response cut short'), { code: 'ECONNRESET' }));
            }
          });
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const ok = status >= 200 && status < 300;
            settle({
              status,
              headers: ok
                ? {
                    ...(res.headers.connection ? { connection: res.headers.connection } : {}),
                    ...(res.headers.location ? { location: res.headers.location } : {}),
                  }
                : res.headers,
              ...(ok ? {} : { body: Buffer.concat(chunks).toString('utf8') }),
            });
          });
        },
      );
      req.on('socket', (socket) => {
        const tagged = socket as typeof socket & { faultConnection?: number };
        if (tagged.faultConnection === undefined) {
          connection.count += 1;
          tagged.faultConnection = connection.count;
        }
        record.connection = tagged.faultConnection;
        record.reusedSocket = req.reusedSocket;
        if (!socket.connecting) record.connected = true;
        else socket.once('connect', () => (record.connected = true));
      });
      req.setTimeout(this.requestTimeoutMs, () =>
        req.destroy(Object.assign(new Error('no outcome in time'), { code: 'CLIENT_TIMEOUT' })),
      );
      req.on('error', fail);
      req.end(payload);
    });
  }
}

/** The body the driver sends for a request, so that a scenario can send it again as a retry. */
export function loadBody(
  kind: RequestKind,
  eventType: string,
  ts: number,
): Record<string, unknown> {
  if (kind === 'session') return aSessionStart({ playerTime: { playhead: 0, ts } });
  return anEvent(eventType, {
    playerTime: { playhead: (ts % 60_000) / 1000, ts },
    ...(eventType === 'bitrateChange' || eventType === 'ping'
      ? { body: { qoeData: { 'media.qoe.bitrate': 1_000_000 + (ts % 7) * 250_000 } } }
      : {}),
  });
}

/** Counts of a list of labels, most frequent first. */
/** The record of one request, started now. */
export function startRecord(
  worker: number,
  kind: RequestKind,
  sid: string | undefined,
  eventType: string,
  ts: number,
): RequestRecord {
  return {
    worker,
    kind,
    ...(sid ? { sid } : {}),
    eventType,
    ts,
    startedAt: performance.now(),
    endedAt: 0,
    reusedSocket: false,
    connected: false,
    responseStarted: false,
    connection: 0,
  };
}

/** Ends a record once, with the first outcome patched in and its end time. */
export function settleOnce(
  record: RequestRecord,
  resolve: (record: RequestRecord) => void,
): (patch: Partial<RequestRecord>) => void {
  let settled = false;
  return (patch) => {
    if (settled) return;
    settled = true;
    Object.assign(record, patch, { endedAt: performance.now() });
    resolve(record);
  };
}

export function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The label of an outcome: the status code, or `error:<code>`. */
export function outcomeOf(record: RequestRecord): string {
  return record.status !== undefined ? String(record.status) : `error:${record.error ?? '?'}`;
}

export interface LoadSummary {
  readonly requestsSent: number;
  readonly acknowledged: { readonly sessions: number; readonly events: number };
  readonly statuses: Record<string, number>;
  readonly errorsByCode: Record<string, number>;
  readonly latencyMs: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly durationMs: number;
  readonly requestsPerSecond: number;
}

/** What a list of records amounts to (all of a driver's, or a time window of them). */
export function summarize(records: readonly RequestRecord[], durationMs: number): LoadSummary {
  const answered = records.filter((r) => r.status !== undefined);
  const latencies = answered.map((r) => r.endedAt - r.startedAt);
  return {
    requestsSent: records.length,
    acknowledged: {
      sessions: records.filter((r) => r.kind === 'session' && r.status === 201 && !r.error).length,
      events: records.filter((r) => r.kind === 'event' && r.status === 204).length,
    },
    statuses: countBy(answered, (r) => `${r.status}`),
    errorsByCode: countBy(
      records.filter((r) => r.status === undefined),
      (r) =>
        `${r.error}${r.errorMessage && r.errorMessage !== r.error ? ` (${r.errorMessage})` : ''}` +
        (r.connected ? ' on an established connection' : ' before connecting'),
    ),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies.reduce((a, b) => Math.max(a, b), 0)),
    },
    durationMs: round(durationMs),
    requestsPerSecond: round((records.length / Math.max(durationMs, 1)) * 1000),
  };
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export interface StoredCheck {
  /** Items acknowledged (sessions + events). */
  readonly acknowledged: number;
  /** Of those, found stored by natural key. */
  readonly found: number;
  /** Acknowledged but not stored: must be 0. */
  readonly lost: number;
  readonly sessions: { readonly acknowledged: number; readonly found: number };
  readonly events: { readonly acknowledged: number; readonly found: number };
  /** Up to 20 of the lost items, for the failure message. */
  readonly lostSample: readonly string[];
}

const BATCH = 5_000;

/**
 * Checks every acknowledged item in the database by its natural key, a few thousand per query:
 * a 201's session row and its sessionStart event (same ts); a 204's (session_id, event_type, ts).
 */
export async function verifyStored(databaseUrl: string, acked: Acknowledged): Promise<StoredCheck> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const lostSample: string[] = [];
  let sessionsFound = 0;
  let eventsFound = 0;
  try {
    for (let i = 0; i < acked.sessions.length; i += BATCH) {
      const batch = acked.sessions.slice(i, i + BATCH);
      const { rows } = await client.query<{ sid: string }>(
        `SELECT k.sid
           FROM unnest($1::text[], $2::bigint[]) AS k(sid, ts)
           JOIN sessions s ON s.id = decode(k.sid, 'hex')
           JOIN session_events e ON e.session_id = s.id AND e.event_type = 'sessionStart' AND e.ts = k.ts`,
        [batch.map((s) => s.sid), batch.map((s) => String(s.ts))],
      );
      sessionsFound += rows.length;
      if (rows.length < batch.length && lostSample.length < 20) {
        const found = new Set(rows.map((r) => r.sid));
        for (const s of batch) {
          if (!found.has(s.sid) && lostSample.length < 20) lostSample.push(`session ${s.sid}`);
        }
      }
    }
    for (let i = 0; i < acked.events.length; i += BATCH) {
      const batch = acked.events.slice(i, i + BATCH);
      const { rows } = await client.query<{ key: string }>(
        `SELECT k.sid || ' ' || k.type || ' ' || k.ts AS key
           FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(sid, type, ts)
           JOIN session_events e
             ON e.session_id = decode(k.sid, 'hex') AND e.event_type = k.type AND e.ts = k.ts`,
        [batch.map((e) => e.sid), batch.map((e) => e.eventType), batch.map((e) => String(e.ts))],
      );
      eventsFound += rows.length;
      if (rows.length < batch.length && lostSample.length < 20) {
        const found = new Set(rows.map((r) => r.key));
        for (const e of batch) {
          const key = `${e.sid} ${e.eventType} ${e.ts}`;
          if (!found.has(key) && lostSample.length < 20) lostSample.push(`event ${key}`);
        }
      }
    }
  } finally {
    await client.end();
  }
  const acknowledged = acked.sessions.length + acked.events.length;
  const found = sessionsFound + eventsFound;
  return {
    acknowledged,
    found,
    lost: acknowledged - found,
    sessions: { acknowledged: acked.sessions.length, found: sessionsFound },
    events: { acknowledged: acked.events.length, found: eventsFound },
    lostSample,
  };
}

/** Empties the service's tables (the schema must exist: start the service once first). */
export async function truncateTables(databaseUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query('TRUNCATE sessions, session_params, events, session_reports CASCADE');
  } finally {
    await client.end();
  }
}

/** Prints a scenario's figures as one block the run log keeps. */
export function printFigures(title: string, figures: Record<string, unknown>): void {
  console.log(`\n=== ${title} ===\n${JSON.stringify(figures, null, 2)}`);
}

/** Merges the acknowledgements of several drivers. */
export function allAcked(...drivers: readonly LoadDriver[]): Acknowledged {
  return {
    sessions: drivers.flatMap((d) => d.acked.sessions),
    events: drivers.flatMap((d) => d.acked.events),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
