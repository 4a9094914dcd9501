import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { type HttpResult, post, request, sessionIdFrom } from './http.js';

/**
 * The requests Adobe's own clients sent, as captured on the wire (their README says what each
 * is). Kept verbatim: the tests replay exactly what the clients sent.
 */
export const REAL_CLIENTS_DIR = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../fixtures/real-clients',
);

export const FIXTURE_01 = '01-mediajs-3.1.0-vod-ads-chapters-pause-complete.json';
export const FIXTURE_03 = '03-mediajs-3.1.0-live-length0-qoe-error-states-adSkip-end.json';
export const FIXTURE_04 = '04-adobe-va-api-2018-sample-vod-midroll.json';
export const FIXTURE_09 = '09-DERIVED-ios-aepmedia-5.0.1-offline-batch-body.json';
export const RAW_01 = '01-raw-with-headers.jsonl';

export interface EventBody {
  readonly eventType: string;
  readonly playerTime: { readonly playhead: number; readonly ts: number };
  readonly params?: Record<string, unknown>;
  readonly qoeData?: Record<string, unknown>;
  readonly customMetadata?: Record<string, unknown>;
}

/** One recorded request of fixtures 01, 03, 04. `{sid}` in `path` is the session's id. */
export interface RecordedRequest {
  readonly seq: number;
  readonly atMs: number;
  readonly method: string;
  readonly path: string;
  readonly contentType: string;
  readonly body: EventBody;
}

/** One line of `01-raw-with-headers.jsonl`: a request as it arrived, with every header. */
export interface RawLine {
  readonly t: number;
  readonly method: string;
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly status: number;
  readonly location?: string;
  readonly body: EventBody | null;
}

export function readFixture<T>(name: string): T {
  return JSON.parse(readFileSync(resolve(REAL_CLIENTS_DIR, name), 'utf8')) as T;
}

export function readRecording(name: string): RecordedRequest[] {
  return readFixture<RecordedRequest[]>(name);
}

export function readRawLines(name: string): RawLine[] {
  return readFileSync(resolve(REAL_CLIENTS_DIR, name), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as RawLine);
}

/** Consecutive requests sharing one `playerTime.ts`, in recorded order. */
export function tsGroups(requests: readonly RecordedRequest[]): RecordedRequest[][] {
  const groups: RecordedRequest[][] = [];
  for (const req of requests) {
    const last = groups.at(-1);
    if (last && last[0].body.playerTime.ts === req.body.playerTime.ts) last.push(req);
    else groups.push([req]);
  }
  return groups;
}

/**
 * How the events after the sessionStart are sent: one at a time in recorded order; one at a time
 * with every same-ts group reversed; or each same-ts group at once (groups one after the other).
 */
export type ReplayOrder = 'recorded' | 'ties-reversed' | 'ties-concurrent';

export interface ReplayAnswer {
  readonly seq: number;
  readonly eventType: string;
  readonly status: number;
  readonly result: HttpResult;
}

export interface Replay {
  readonly sid: string;
  /** In the order the answers were awaited: the start first. */
  readonly answers: readonly ReplayAnswer[];
}

export const eventsPathOf = (sid: string) => `/api/v1/sessions/${sid}/events`;

async function send(baseUrl: string, sid: string, req: RecordedRequest): Promise<ReplayAnswer> {
  expect(req.method, `request ${req.seq}`).toBe('POST');
  const result = await post(baseUrl, req.path.replace('{sid}', sid), req.body, {
    contentType: req.contentType,
  });
  return { seq: req.seq, eventType: req.body.eventType, status: result.status, result };
}

/**
 * Replays a recording against the service: the sessionStart first (it must be 201 with a
 * Location), then the events in the given order. `repeat`: seqs sent a second time, with the same
 * body, right after their first answer (a client's retry).
 */
export async function replay(
  baseUrl: string,
  requests: readonly RecordedRequest[],
  order: ReplayOrder = 'recorded',
  repeat: readonly number[] = [],
): Promise<Replay> {
  const [start, ...events] = requests;
  expect(start.body.eventType).toBe('sessionStart');
  expect(start.path).toBe('/api/v1/sessions');
  const started = await post(baseUrl, start.path, start.body, { contentType: start.contentType });
  expect(started.status, `sessionStart answered ${started.text}`).toBe(201);
  const sid = sessionIdFrom(started);
  const answers: ReplayAnswer[] = [
    { seq: start.seq, eventType: 'sessionStart', status: started.status, result: started },
  ];
  const sendWithRepeats = async (req: RecordedRequest): Promise<ReplayAnswer[]> => {
    const first = await send(baseUrl, sid, req);
    return repeat.includes(req.seq) ? [first, await send(baseUrl, sid, req)] : [first];
  };
  for (const group of tsGroups(events)) {
    if (order === 'ties-concurrent') {
      answers.push(...(await Promise.all(group.map(sendWithRepeats))).flat());
    } else {
      const sequence = order === 'ties-reversed' ? [...group].reverse() : group;
      for (const req of sequence) answers.push(...(await sendWithRepeats(req)));
    }
  }
  return { sid, answers };
}

/** Every answer of a replay was the success of its kind: 201 for the start, 204 for events. */
export function expectAllAccepted(run: Replay): void {
  expect(
    run.answers
      .filter((a) => a.status !== (a.eventType === 'sessionStart' ? 201 : 204))
      .map((a) => `#${a.seq} ${a.eventType}: ${a.status} ${a.result.text}`),
    'answers other than 201 (start) / 204 (events)',
  ).toEqual([]);
}

export const REPORTS_TOKEN = 'e2e-real-clients-token-0123456789';

export async function fetchReport<T = Record<string, unknown>>(
  baseUrl: string,
  sid: string,
): Promise<T> {
  const res = await request(baseUrl, 'GET', `/api/v1/reports/sessions/${sid}`, {
    authorization: `Bearer ${REPORTS_TOKEN}`,
  });
  expect(res.status, `report of ${sid}: ${res.text}`).toBe(200);
  return res.json<T>();
}

/** Fields of a report that depend on when requests arrived (or on the session id), not on data. */
const ARRIVAL_FIELDS = [
  'sessionId',
  'startedAt',
  'lastEventAt',
  'closedAt',
  'computedAt',
  'reportedAt',
] as const;

/** A report without its arrival-time fields, for comparing two replays of one recording. */
export function withoutArrivalFields(report: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...report };
  for (const field of ARRIVAL_FIELDS) delete copy[field];
  return copy;
}
