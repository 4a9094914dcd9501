import { readFile } from 'node:fs/promises';
import { type Browser } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from '../support/http.js';
import { useTestApp } from '../support/test-app.js';
import { launchChromium } from './support/browser.js';
import { MEDIA_SECONDS, sitePages } from './support/page.js';
import { type Recorded, TlsFront } from './support/tls-front.js';

/**
 * Adobe's Web SDK (@adobe/alloy 2.33.1, its standalone build) in Debian's Chromium, against the
 * service behind a TLS front on 443 (contract C10). The page is https://www.site.test; the
 * service is edge.mca.test (another site: alloy sends the identity cookie in the body) or
 * edge.site.test (the same site: as a Cookie header). Each scenario is checked through the
 * reporting API afterwards, and every figure printed.
 */
const TOKEN = 'browser-alloy-token-0123456789';
const ORG_ID = '53A16ACB5CC1D3760A495C99@AdobeOrg';
const IDENTITY = 'kndctr_53A16ACB5CC1D3760A495C99_AdobeOrg_identity';
const DATASTREAM = '0a1b2c3d-4e5f-4061-8273-94a5b6c7d8e9';
const PAGE_HOST = 'www.site.test';
const CROSS_SITE = 'edge.mca.test';
const SAME_SITE = 'edge.site.test';
const SCENARIOS = await readFile(new URL('./page/scenarios.js', import.meta.url), 'utf8');

interface Report {
  wireFormat: string;
  configId: string | null;
  closeReason: string | null;
  contentStarted: boolean;
  contentCompleted: boolean;
  mediaTimeSpent: number;
  contentTimeSpent: number;
  adTimeSpent: number;
  media: Record<string, unknown>;
  pause: { count: number };
  buffer: { count: number };
  bitrate: { average: number | null; changes: number };
  errors: { count: number; playerIds: string[] };
  ads: { breaks: number; starts: number; completes: number };
  chapters: { starts: number; completes: number };
  states: Record<string, { count: number }>;
  retries: number;
}

/** What alloy sent for one session: each request's path (without query) and the answer given. */
function sent(requests: readonly Recorded[]): string[] {
  return requests.map((r) => {
    const path = r.path.split('?')[0].replace('/ee/', '');
    const type = /"eventType":"(media\.[A-Za-z]+)"/.exec(r.body)?.[1] ?? '';
    return `${path} ${type} → ${r.injected ?? r.status}`;
  });
}

/** The story both the automatic and the legacy scenario tell (page/scenarios.js), as the report counts it. */
function expectTheStory(report: Report): void {
  expect(report).toMatchObject({
    wireFormat: 'edge',
    configId: DATASTREAM,
    closeReason: 'end',
    contentStarted: true,
    contentCompleted: true,
    ads: { breaks: 1, starts: 1, completes: 1 },
    chapters: { starts: 1, completes: 1 },
    errors: { count: 1, playerIds: ['rig-error'] },
    bitrate: { changes: 1 },
    buffer: { count: 1 },
  });
  expect(report.pause.count).toBeGreaterThanOrEqual(1);
  expect(report.adTimeSpent).toBeGreaterThan(0);
  expect(report.contentTimeSpent).toBeGreaterThan(10);
  expect(Object.keys(report.states).map((s) => s.toLowerCase())).toContain('fullscreen');
}

const countOf = (lines: readonly string[], needle: string) =>
  lines.filter((line) => line.includes(needle)).length;

describe("C10: Adobe's Web SDK in a real browser", () => {
  const sut = useTestApp({
    REPORTS_API_TOKEN: TOKEN,
    EDGE_ORG_ID: ORG_ID,
    RATE_LIMIT_PER_SECOND: '0',
    REPORTS_INTERVAL_MS: '200',
  });
  let front: TlsFront;
  let browser: Browser;

  beforeAll(async () => {
    front = await TlsFront.start({
      service: sut.baseUrl,
      edgeHosts: [CROSS_SITE, SAME_SITE],
      pageHosts: [PAGE_HOST],
      pages: {
        ...(await sitePages()),
        '/scenarios.js': { type: 'text/javascript', body: SCENARIOS },
      },
    });
    browser = await launchChromium([PAGE_HOST, CROSS_SITE, SAME_SITE]);
  });
  afterAll(async () => {
    await browser?.close();
    await front?.close();
  });
  beforeEach(() => {
    front.requests.length = 0;
    front.fault = undefined;
  });

  /** A fresh browser context (no cookies) on the site, alloy loaded, the scenario run. */
  async function runScenario<T>(
    name: string,
    edgeDomain: string,
    extra: Record<string, unknown> = {},
  ): Promise<T> {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`https://${PAGE_HOST}/`);
      await page.addScriptTag({ url: '/scenarios.js' });
      await page.waitForFunction(
        'typeof window.alloy === "function" && window.__alloyNS !== undefined',
      );
      const config = {
        datastreamId: DATASTREAM,
        orgId: ORG_ID,
        edgeDomain,
        mediaSeconds: MEDIA_SECONDS,
        ...extra,
      };
      return await page.evaluate<T>(`window.scenarios.${name}(${JSON.stringify(config)})`);
    } finally {
      await context.close();
    }
  }

  async function reportOf(sid: string): Promise<Report> {
    const res = await request(sut.baseUrl, 'GET', `/api/v1/reports/sessions/${sid}`, {
      authorization: `Bearer ${TOKEN}`,
    });
    expect(res.status, res.text).toBe(200);
    return res.json<Report>();
  }

  async function storedTypes(sid: string): Promise<string[]> {
    const { rows } = await sut.db.query<{ event_type: string }>(
      `SELECT event_type FROM session_events WHERE session_id = decode($1, 'hex') ORDER BY seq`,
      [sid],
    );
    return rows.map((r) => r.event_type);
  }

  /** The session a start made, from the handle the service answered. */
  function startedSession(mediaId: string): string {
    const start = front.requests.find(
      (r) => r.body.includes(mediaId) && r.answer?.includes('new-session'),
    );
    const sid = /"sessionId":"([0-9a-f]{64})"/.exec(start?.answer ?? '')?.[1];
    expect(sid, `a session started for ${mediaId}`).toBeDefined();
    return sid!;
  }

  /** Every event alloy got a 2xx for is stored, once (its retries included). */
  async function expectStoredOnce(sid: string, requests: readonly Recorded[]) {
    const answered = requests.filter(
      (r) => (r.injected ?? r.status ?? 0) < 300 && r.path.includes('/va/v1/'),
    );
    const requestIds = new Set(
      answered.map((r) => new URL(r.path, 'https://x').searchParams.get('requestId')),
    );
    expect(requestIds.size).toBe(answered.length);
    // The start, plus one stored event per request answered 2xx.
    expect((await storedTypes(sid)).length).toBe(answered.length + 1);
  }

  it('C10: automatic tracking of a real <video> (createMediaSession), the page on another site than the service: the report counts each part of the story', async () => {
    const result = await runScenario<{
      sessionId: string;
      playhead: number;
      tracked: Array<{ name: string; ok: boolean }>;
    }>('automatic', CROSS_SITE);
    const sid = result.sessionId;
    expect(sid).toMatch(/^[0-9a-f]{64}$/);
    expect(
      result.tracked.every((t) => t.ok),
      JSON.stringify(result.tracked),
    ).toBe(true);
    const requests = front.forSession(sid);
    const lines = sent(front.requests);
    // Cross-site: alloy carries the identity cookie the first answer gave in the body, never as a header.
    const later = front.requests.slice(1);
    expect(later.some((r) => r.body.includes(IDENTITY))).toBe(true);
    expect(front.requests.every((r) => !(r.headers.cookie ?? '').includes(IDENTITY))).toBe(true);
    expect(front.requests.every((r) => r.headers.origin === `https://${PAGE_HOST}`)).toBe(true);
    const report = await reportOf(sid);
    console.log(
      `\n=== alloy automatic (cross-site) ===\n${JSON.stringify({ sent: lines, report }, null, 2)}`,
    );
    expect(countOf(lines, 'v1/interact media.sessionStart → 200')).toBe(1);
    // 1-s pings during the 3.5-s ad, one main ping 10 s after play.
    expect(countOf(lines, 'media.ping → 204')).toBeGreaterThanOrEqual(3);
    // Every request alloy sent was answered 2xx.
    expect(lines.filter((line) => !/→ 20[04]$/.test(line))).toEqual([]);
    expectTheStory(report);
    expect(report.media['media.playerName']).toBe('rig-player');
    expect(report.media['media.channel']).toBe('rig-channel');
    await expectStoredOnce(sid, requests);
  });

  it('C10: the legacy tracker (getMediaAnalyticsTracker): the same story, the same figures', async () => {
    await runScenario('legacy', CROSS_SITE);
    const sid = startedSession('rig-legacy');
    const lines = sent(front.requests);
    const report = await reportOf(sid);
    console.log(
      `\n=== alloy legacy tracker ===\n${JSON.stringify({ sent: lines, report }, null, 2)}`,
    );
    expectTheStory(report);
    expect(report.media['media.show']).toBe('Rig show');
    expect(report.media['media.contentType']).toBe('vod');
    expect(Object.keys(report.states).map((s) => s.toLowerCase())).toContain('fullscreen');
    await expectStoredOnce(sid, front.forSession(sid));
  });

  it('C10: manual mode (page-owned sessionID and playhead) on the same site: 404 and 410 reach the page, nothing is stored twice', async () => {
    const result = await runScenario<{
      sessionId: string;
      cookies: string;
      results: Record<string, { ok: boolean; error?: string }>;
    }>('manual', SAME_SITE);
    const { results } = result;
    const lines = sent(front.requests);
    console.log(
      `\n=== alloy manual (same site) ===\n${JSON.stringify({ sent: lines, results }, null, 2)}`,
    );
    for (const step of ['play', 'ping', 'pause', 'resume', 'complete', 'end']) {
      expect(results[step].ok, `${step}: ${results[step].error}`).toBe(true);
    }
    expect(results.afterEnd.ok).toBe(false);
    expect(results.afterEnd.error).toMatch(/410/);
    expect(results.unknown.ok).toBe(false);
    expect(results.unknown.error).toMatch(/404/);
    // Same site: the identity cookie was set on the page's domain and came back as a header.
    expect(result.cookies).toContain(IDENTITY);
    expect(front.requests.slice(1).some((r) => (r.headers.cookie ?? '').includes(IDENTITY))).toBe(
      true,
    );
    const report = await reportOf(result.sessionId);
    expect(report).toMatchObject({
      wireFormat: 'edge',
      closeReason: 'end',
      contentCompleted: true,
    });
    expect(report.pause.count).toBe(1);
    expect(await storedTypes(result.sessionId)).toEqual([
      'sessionStart',
      'play',
      'ping',
      'pauseStart',
      'play',
      'sessionComplete',
      'sessionEnd',
    ]);
  });

  it('C10: a 429 with Retry-After: alloy waits, retries once with the same requestId, and the event is stored once', async () => {
    let refused = 0;
    front.fault = (r) => {
      if (refused === 0 && r.path.includes('/va/v1/ping')) {
        refused += 1;
        return {
          status: 429,
          headers: { 'retry-after': '2', 'content-type': 'application/problem+json' },
          body: '{}',
        };
      }
      return undefined;
    };
    const result = await runScenario<{
      sessionId: string;
      results: Record<string, { ok: boolean }>;
    }>('manual', CROSS_SITE);
    const pings = front.requests.filter((r) => r.path.includes('/va/v1/ping'));
    console.log(`\n=== alloy 429 ===\n${JSON.stringify(sent(front.requests), null, 2)}`);
    expect(result.results.ping.ok).toBe(true);
    expect(pings.map((r) => r.injected ?? r.status)).toEqual([429, 204]);
    const ids = pings.map((r) => new URL(r.path, 'https://x').searchParams.get('requestId'));
    expect(ids[0]).toBe(ids[1]);
    expect((await storedTypes(result.sessionId)).filter((t) => t === 'ping')).toHaveLength(1);
    expect((await reportOf(result.sessionId)).retries).toBe(1);
  });

  it('C10: a 503 on every try: alloy retries three times and the page sees the failure; the event is stored once', async () => {
    front.fault = (r) =>
      r.path.includes('/va/v1/ping')
        ? {
            status: 503,
            headers: { 'retry-after': '1', 'content-type': 'application/problem+json' },
            body: '{}',
          }
        : undefined;
    const result = await runScenario<{
      sessionId: string;
      results: Record<string, { ok: boolean; error?: string }>;
    }>('manual', CROSS_SITE);
    const pings = front.requests.filter((r) => r.path.includes('/va/v1/ping'));
    console.log(
      `\n=== alloy 503 ===\n${JSON.stringify({ sent: sent(front.requests), ping: result.results.ping }, null, 2)}`,
    );
    expect(pings).toHaveLength(4);
    expect(result.results.ping.ok).toBe(false);
    expect(result.results.ping.error).toMatch(/503/);
    expect((await storedTypes(result.sessionId)).filter((t) => t === 'ping')).toHaveLength(1);
  });
});
