import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/metrics/metrics.js';
import { SessionSweeper } from '../../src/sessions/session-sweeper.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import { post, request } from '../support/http.js';
import { aPing, eventsPath, sleep, startSession } from '../support/lifecycle.js';
import { Scrape } from '../support/prometheus-text.js';
import { useTestApp } from '../support/test-app.js';

const HOUR_MS = '3600000';
const SESSIONS = '/api/v1/sessions';
const EVENTS = '/api/v1/sessions/:sid/events';
const UNKNOWN_SID = 'ab'.repeat(32);
const at = (playhead: number, ts: number) => ({ playerTime: { playhead, ts } });

describe('C8: GET /metrics (Prometheus text format)', () => {
  // No background sweep: every close in these tests is one the test caused.
  const sut = useTestApp({ SESSION_SWEEP_INTERVAL_MS: HOUR_MS });
  const scrape = () => Scrape.of(sut.baseUrl);

  it('C8: answers 200 in the text format, with the process metrics and outside the OpenAPI document', async () => {
    const res = await request(sut.baseUrl, 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain('# TYPE mca_http_requests_total counter');
    expect(res.text).toContain('# TYPE mca_http_request_duration_seconds histogram');
    expect(res.text).toContain('# TYPE process_cpu_seconds_total counter');
    expect(res.text).toContain('# TYPE nodejs_eventloop_lag_seconds gauge');
    const document = (await request(sut.baseUrl, 'GET', '/docs-json')).json<{
      paths: Record<string, unknown>;
    }>();
    expect(Object.keys(document.paths)).not.toContain('/metrics');
  });

  it('C6: requests are counted by method, route template and status, and timed by route', async () => {
    const before = await scrape();
    const { sid } = await startSession(sut.baseUrl); // 201
    expect((await post(sut.baseUrl, eventsPath(sid), aPing(0, 1000))).status).toBe(204);
    expect((await post(sut.baseUrl, eventsPath(sid), aPing(1, 2000))).status).toBe(204);
    expect((await post(sut.baseUrl, eventsPath(UNKNOWN_SID), aPing(0, 1000))).status).toBe(404);
    expect((await post(sut.baseUrl, SESSIONS, { eventType: 'sessionStart' })).status).toBe(400);
    expect((await request(sut.baseUrl, 'GET', `/no/such/route/${sid}`)).status).toBe(404);
    const after = await scrape();

    const requests = (method: string, route: string, status: string) =>
      after.growth(before, 'mca_http_requests_total', { method, route, status });
    expect(requests('POST', SESSIONS, '201')).toBe(1);
    expect(requests('POST', SESSIONS, '400')).toBe(1);
    expect(requests('POST', EVENTS, '204')).toBe(2);
    expect(requests('POST', EVENTS, '404')).toBe(1);
    expect(requests('GET', 'unmatched', '404')).toBe(1);
    // The first scrape is counted once its answer is sent, so the second one shows it.
    expect(requests('GET', '/metrics', '200')).toBe(1);

    const timed = (method: string, route: string) =>
      after.growth(before, 'mca_http_request_duration_seconds_count', { method, route });
    expect(timed('POST', SESSIONS)).toBe(2);
    expect(timed('POST', EVENTS)).toBe(3);
    expect(timed('GET', 'unmatched')).toBe(1);
    const eventsInf = { le: '+Inf', method: 'POST', route: EVENTS };
    expect(after.growth(before, 'mca_http_request_duration_seconds_bucket', eventsInf)).toBe(3);
    expect(
      after.growth(before, 'mca_http_request_duration_seconds_sum', {
        method: 'POST',
        route: EVENTS,
      }),
    ).toBeGreaterThan(0);
  });

  it('C6: no client string becomes a label: no session id or raw URL anywhere in the output', async () => {
    const { sid } = await startSession(sut.baseUrl);
    await post(sut.baseUrl, eventsPath(sid), aPing(0, 1000));
    await post(sut.baseUrl, eventsPath(UNKNOWN_SID), aPing(0, 1000));
    await request(sut.baseUrl, 'GET', `/api/v1/sessions/${sid}/player-string?x=1`);
    const { text, samples } = await scrape();

    expect(text).not.toContain(sid);
    expect(text).not.toContain(UNKNOWN_SID);
    expect(text).not.toContain('player-string');
    expect(text).not.toMatch(/[0-9a-f]{64}/);
    const routes = new Set(samples.flatMap((s) => (s.labels.route ? [s.labels.route] : [])));
    for (const route of routes) expect(route).toMatch(/^(unmatched|\/[a-zA-Z0-9/:*_-]*)$/);
    expect(routes).toContain(EVENTS);
  });

  it('C3: every batched write is observed: batch sizes add up to the events and starts sent', async () => {
    const before = await scrape();
    const sids = await Promise.all(
      [1, 2, 3].map(async () => (await startSession(sut.baseUrl)).sid),
    );
    const answers = await Promise.all(
      sids.flatMap((sid) =>
        [1, 2, 3, 4].map((n) => post(sut.baseUrl, eventsPath(sid), aPing(n, n * 1000))),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(204));
    const after = await scrape();

    const events = { kind: 'events' };
    const starts = { kind: 'session-starts' };
    expect(after.growth(before, 'mca_batch_size_sum', events)).toBe(12);
    expect(after.growth(before, 'mca_batch_size_sum', starts)).toBe(3);
    const eventBatches = after.growth(before, 'mca_batch_size_count', events);
    expect(eventBatches).toBeGreaterThanOrEqual(1);
    expect(eventBatches).toBeLessThanOrEqual(12);
    expect(after.growth(before, 'mca_batch_write_duration_seconds_count', events)).toBe(
      eventBatches,
    );
    expect(after.growth(before, 'mca_batch_size_bucket', { ...events, le: '500' })).toBe(
      eventBatches,
    );
    expect(after.value('mca_batch_failures_total', events)).toBe(0);
    expect(after.value('mca_batch_failures_total', starts)).toBe(0);
    expect(after.growth(before, 'mca_sessions_started_total')).toBe(3);
    expect(after.growth(before, 'mca_events_total', { outcome: 'accepted' })).toBe(12);
  });

  it('C8: the database pool gauges are read at scrape time', async () => {
    const metrics = await scrape();
    const total = metrics.value('mca_db_pool_connections', { state: 'total' });
    const idle = metrics.value('mca_db_pool_connections', { state: 'idle' });
    expect(total).toBeGreaterThanOrEqual(1);
    expect(idle).toBeGreaterThanOrEqual(0);
    expect(idle).toBeLessThanOrEqual(total!);
    expect(metrics.value('mca_db_pool_waiting')).toBe(0);
  });

  it('C4: mca_sessions_open is the number of sessions not closed, as of its last refresh', async () => {
    await sut.app.get(Metrics).refreshDatabaseGauges();
    expect((await scrape()).value('mca_sessions_open')).toBe(0);
    const sids = await Promise.all(
      [1, 2, 3].map(async () => (await startSession(sut.baseUrl)).sid),
    );
    await post(sut.baseUrl, eventsPath(sids[0]), anEvent('sessionEnd', at(0, 1000)));
    const downloaded = await post(sut.baseUrl, '/api/v1/downloaded', [aSessionStart()]);
    expect(downloaded.status).toBe(201);

    const { rows } = await sut.db.query<{ open: number }>(
      'SELECT count(*)::int AS open FROM sessions WHERE closed_at IS NULL',
    );
    expect(rows[0]?.open).toBe(2);
    await sut.app.get(Metrics).refreshDatabaseGauges();
    const after = await scrape();
    expect(after.value('mca_sessions_open')).toBe(2);
    expect(after.value('mca_db_gauges_age_seconds')).toBeLessThan(1);
  });

  it('C4: a sessionEnd counts one close with reason end; its retry is answered 204 but not counted again', async () => {
    const { sid } = await startSession(sut.baseUrl);
    const before = await scrape();
    const end = anEvent('sessionEnd', at(5, 5000));
    expect((await post(sut.baseUrl, eventsPath(sid), end)).status).toBe(204);
    expect((await post(sut.baseUrl, eventsPath(sid), end)).status).toBe(204);
    expect((await post(sut.baseUrl, eventsPath(sid), aPing(6, 6000))).status).toBe(410);
    expect((await post(sut.baseUrl, eventsPath(UNKNOWN_SID), aPing(0, 1))).status).toBe(404);
    const after = await scrape();

    const closed = (reason: string) =>
      after.growth(before, 'mca_sessions_closed_total', { reason });
    expect(closed('end')).toBe(1);
    for (const reason of ['complete', 'idle', 'stalled', 'max-duration', 'downloaded']) {
      expect(closed(reason), reason).toBe(0);
    }
    const events = (outcome: string) => after.growth(before, 'mca_events_total', { outcome });
    expect(
      ['accepted', 'retry', 'ignored', 'closed', 'unknown', 'capped'].map((o) => events(o)),
    ).toEqual([1, 1, 0, 1, 1, 0]);
  });

  it('C7: a downloaded session counts as started and closed (reason downloaded)', async () => {
    const before = await scrape();
    const res = await post(sut.baseUrl, '/api/v1/downloaded', [
      aSessionStart(),
      anEvent('play', at(0, 1509045325000)),
      anEvent('sessionEnd', at(1, 1509045326000)),
    ]);
    expect(res.status).toBe(201);
    const after = await scrape();
    expect(after.growth(before, 'mca_sessions_started_total')).toBe(1);
    expect(after.growth(before, 'mca_sessions_closed_total', { reason: 'downloaded' })).toBe(1);
    expect(after.growth(before, 'mca_sessions_closed_total', { reason: 'end' })).toBe(0);
  });
});

describe('C4: closes by the sweep are counted by reason (idle 1 s, sweep by hand)', () => {
  // A second app in the same process: each has its own registry, so nothing collides.
  const sut = useTestApp({ SESSION_IDLE_TIMEOUT_SECONDS: '1', SESSION_SWEEP_INTERVAL_MS: HOUR_MS });

  it('C4: a session the sweep closes for idleness counts once under reason idle', async () => {
    await startSession(sut.baseUrl);
    await startSession(sut.baseUrl);
    await sut.app.get(Metrics).refreshDatabaseGauges();
    const before = await Scrape.of(sut.baseUrl);
    expect(before.value('mca_sessions_open')).toBe(2);
    await sleep(1_300);
    await sut.app.get(SessionSweeper).sweepOnce();
    await sut.app.get(SessionSweeper).sweepOnce();
    await sut.app.get(Metrics).refreshDatabaseGauges();
    const after = await Scrape.of(sut.baseUrl);
    expect(after.growth(before, 'mca_sessions_closed_total', { reason: 'idle' })).toBe(2);
    expect(after.growth(before, 'mca_sessions_closed_total', { reason: 'end' })).toBe(0);
    expect(after.value('mca_sessions_open')).toBe(0);
  });
});
