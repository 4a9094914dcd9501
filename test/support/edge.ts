import { type HttpResult, post } from './http.js';

/** A datastream id as Adobe's look (a UUID). */
export const CONFIG_ID = '7b2c3d4e-5f60-4172-8394-a5b6c7d8e9f0';

export const T0 = Date.parse('2026-12-01T10:00:00.000Z');
export const iso = (ms: number) => new Date(ms).toISOString();

/** An Edge request body of one media event (`media.<name>`), as alloy sends it. */
export function edgeBody(
  name: string,
  mediaCollection: Record<string, unknown>,
  ts = T0,
  xdm: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    events: [{ xdm: { eventType: `media.${name}`, timestamp: iso(ts), mediaCollection, ...xdm } }],
    query: { identity: { fetch: ['ECID'] } },
    meta: { queueTimeMillis: 0, state: { domain: 'site.test', cookiesEnabled: true } },
  };
}

/** The sessionDetails Adobe's schema requires, and a few more. */
export function sessionDetails(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'movie-42',
    friendlyName: 'The Movie',
    length: 60,
    contentType: 'VOD',
    playerName: 'html5-player',
    channel: 'web',
    ...overrides,
  };
}

export function anEdgeSessionStart(
  overrides: Record<string, unknown> = {},
  ts = T0,
): Record<string, unknown> {
  return edgeBody(
    'sessionStart',
    { playhead: 0, sessionDetails: sessionDetails(), ...overrides },
    ts,
  );
}

export interface EdgeClient {
  /** `POST /ee/va/v1/{name}` (query configId and requestId added unless given). */
  va(
    name: string,
    body: unknown,
    query?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<HttpResult>;
  interact(
    body: unknown,
    query?: Record<string, string>,
    headers?: Record<string, string>,
  ): Promise<HttpResult>;
  /** A new session; its id from the handle. */
  start(mediaCollection?: Record<string, unknown>, ts?: number): Promise<string>;
  /** One event of a session; expects 204. */
  send(
    sid: string,
    name: string,
    mediaCollection: Record<string, unknown>,
    ts: number,
  ): Promise<HttpResult>;
}

export function edgeClient(baseUrl: () => string, basePath = 'ee'): EdgeClient {
  const path = (p: string, query: Record<string, string> = {}) =>
    `/${basePath}/${p}?${new URLSearchParams({ configId: CONFIG_ID, ...query }).toString()}`;
  // alloy's own Content-Type: a CORS "simple" request, no preflight.
  const options = (headers: Record<string, string> = {}) => ({
    contentType: 'text/plain; charset=UTF-8',
    headers,
  });
  const client: EdgeClient = {
    va: (name, body, query, headers) =>
      post(baseUrl(), path(`va/v1/${name}`, query), body, options(headers)),
    interact: (body, query, headers) =>
      post(baseUrl(), path('v1/interact', query), body, options(headers)),
    async start(mediaCollection = {}, ts = T0) {
      const res = await client.va('sessionStart', anEdgeSessionStart(mediaCollection, ts));
      if (res.status !== 200) throw new Error(`sessionStart answered ${res.status}: ${res.text}`);
      return newSessionId(res);
    },
    async send(sid, name, mediaCollection, ts) {
      const res = await client.va(name, edgeBody(name, { sessionID: sid, ...mediaCollection }, ts));
      if (res.status !== 204) throw new Error(`${name} answered ${res.status}: ${res.text}`);
      return res;
    },
  };
  return client;
}

interface Handle {
  type: string;
  payload: Array<Record<string, unknown>>;
  eventIndex?: number;
}

/** The session id of a `media-analytics:new-session` handle, as alloy reads it. */
export function newSessionId(res: HttpResult): string {
  const handle = res.json<{ handle: Handle[] }>().handle;
  const id = handle.find((h) => h.type === 'media-analytics:new-session')?.payload[0]?.sessionId;
  if (typeof id !== 'string') throw new Error(`no new-session handle in ${res.text}`);
  return id;
}

export function handlesOf(res: HttpResult): Handle[] {
  return res.json<{ handle: Handle[] }>().handle;
}

export interface EdgeProblemBody {
  type: string;
  status: number;
  title: string;
  detail: string;
  report: { requestId: string; details: Array<{ name: string; reason: string }> | string };
}

/** The JSON paths a 400 on an Edge path names. */
export function problemNames(res: HttpResult): string[] {
  const details = res.json<EdgeProblemBody>().report.details;
  return Array.isArray(details) ? details.map((d) => d.name) : [];
}
