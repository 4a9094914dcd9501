import { describe, expect, it } from 'vitest';
import { expectErrorEnvelope } from '../support/contract.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { post, request, sessionIdFrom } from '../support/http.js';
import { useTestApp } from '../support/test-app.js';

const TOKEN = 'e2e-reports-sessions-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

interface ListItem {
  sessionId: string;
  mediaId: string;
  startedAt: string;
  lastEventAt: string;
  closeReason: string | null;
  wireFormat: string;
  eventCount: number;
}

interface EventItem {
  seq: number;
  eventType: string;
  ts: number;
  playhead: number;
  receivedAt: string;
  params: Record<string, unknown> | null;
  qoeData: Record<string, unknown> | null;
  customMetadata: Record<string, unknown> | null;
}

describe('C9: the sessions behind the reports: a list to find one, and its events', () => {
  const sut = useTestApp({ REPORTS_API_TOKEN: TOKEN, RATE_LIMIT_PER_SECOND: '0' });
  const get = (path: string, headers = AUTH) => request(sut.baseUrl, 'GET', path, headers);

  async function start(mediaId: string): Promise<string> {
    const res = await post(
      sut.baseUrl,
      '/api/v1/sessions',
      aSessionStart({ params: { 'media.id': mediaId } }),
    );
    expect(res.status).toBe(201);
    return sessionIdFrom(res);
  }

  it('C9: GET /reports/sessions lists sessions newest first, pages by `before`, finds one by an id prefix or a media id', async () => {
    const a = await start('media-a');
    const b = await start('media-b');
    const c = await start('media-a');
    const all = await get('/api/v1/reports/sessions');
    expect(all.status, all.text).toBe(200);
    const rows = all.json<ListItem[]>();
    expect(rows.map((r) => r.sessionId)).toEqual([c, b, a]);
    expect(rows[0]).toMatchObject({
      mediaId: 'media-a',
      closeReason: null,
      wireFormat: 'mca',
      eventCount: 1,
    });

    const page = await get(`/api/v1/reports/sessions?limit=2`);
    const first = page.json<ListItem[]>();
    expect(first.map((r) => r.sessionId)).toEqual([c, b]);
    const next = await get(
      `/api/v1/reports/sessions?limit=2&before=${encodeURIComponent(first[1].startedAt)}`,
    );
    expect(next.json<ListItem[]>().map((r) => r.sessionId)).toEqual([a]);

    const byMedia = await get('/api/v1/reports/sessions?q=media-a');
    expect(byMedia.json<ListItem[]>().map((r) => r.sessionId)).toEqual([c, a]);
    const byId = await get(`/api/v1/reports/sessions?q=${b.slice(0, 10)}`);
    expect(byId.json<ListItem[]>().map((r) => r.sessionId)).toEqual([b]);
    const none = await get('/api/v1/reports/sessions?q=nothing-like-it');
    expect(none.json<ListItem[]>()).toEqual([]);
  });

  it('C9: GET /reports/sessions/{sid}/events gives the stored events in arrival order, with player and arrival time, a page at a time', async () => {
    const sid = await start('media-e');
    const sent = [
      anEvent('play', { playerTime: { ts: 1509045325000, playhead: 0 } }),
      anEvent('ping', { playerTime: { ts: 1509045335000, playhead: 10 } }),
      anEvent('pauseStart', { playerTime: { ts: 1509045336000, playhead: 11 } }),
    ];
    for (const body of sent) {
      expect((await post(sut.baseUrl, `/api/v1/sessions/${sid}/events`, body)).status).toBe(204);
    }
    const res = await get(`/api/v1/reports/sessions/${sid}/events`);
    expect(res.status, res.text).toBe(200);
    const events = res.json<EventItem[]>();
    expect(events.map((e) => [e.seq, e.eventType, e.ts, e.playhead])).toEqual([
      [1, 'sessionStart', 1509045324153, 0],
      [2, 'play', 1509045325000, 0],
      [3, 'ping', 1509045335000, 10],
      [4, 'pauseStart', 1509045336000, 11],
    ]);
    expect(events[0].params?.['media.id']).toBe('media-e');
    expect(events[0].customMetadata).toEqual(aSessionStart().customMetadata);
    for (const event of events) expect(Number.isNaN(Date.parse(event.receivedAt))).toBe(false);

    const page = await get(`/api/v1/reports/sessions/${sid}/events?after=2&limit=1`);
    expect(page.json<EventItem[]>().map((e) => e.seq)).toEqual([3]);
  });

  it('C9, C6: unknown sessions are 404, bad queries 400 in the envelope, and the token is required', async () => {
    expectErrorEnvelope(await get(`/api/v1/reports/sessions/${'a'.repeat(64)}/events`), 404);
    expectErrorEnvelope(await get('/api/v1/reports/sessions/nope/events'), 404);
    for (const query of ['limit=-1', 'limit=ten', 'before=yesterday', `q=${'x'.repeat(300)}`]) {
      expectErrorEnvelope(await get(`/api/v1/reports/sessions?${query}`), 400);
    }
    const sid = await start('media-x');
    expectErrorEnvelope(await get(`/api/v1/reports/sessions/${sid}/events?after=x`), 400);
    expectErrorEnvelope(await get('/api/v1/reports/sessions', {} as typeof AUTH), 401);
    expectErrorEnvelope(
      await get(`/api/v1/reports/sessions/${sid}/events`, {} as typeof AUTH),
      401,
    );
  });
});
