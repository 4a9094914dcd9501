import { describe, expect, it } from 'vitest';
import type { MetricEvent } from '../../src/media/metrics/metric-event.js';
import {
  type SessionFacts,
  type SessionReport,
  SessionReportBuilder,
  buildSessionReport,
} from '../../src/media/metrics/session-report.js';

// C5 (revised) plausible reports: a forged timeline of a play at ts 2, then a ping at ts 2^53−1
// (285,000 years later) with a playhead of 1e9, then a sessionEnd. The interval cap
// (METRICS_MAX_INTERVAL_SECONDS, 600 s here) and the playhead clamp to media.length bound every
// figure. Values worked from C5.

const FORGED_TS = Number.MAX_SAFE_INTEGER;

const forged = (forgedPlayhead: number): MetricEvent[] => [
  { eventType: 'sessionStart', ts: 1, playhead: 0, seq: 0 },
  { eventType: 'play', ts: 2, playhead: 0, seq: 1 },
  { eventType: 'ping', ts: FORGED_TS, playhead: forgedPlayhead, seq: 2 },
  { eventType: 'sessionEnd', ts: FORGED_TS, playhead: forgedPlayhead, seq: 3 },
];

const facts = (params: Record<string, unknown>): SessionFacts => ({
  sessionId: 'f'.repeat(64),
  closeReason: 'end',
  startedAt: new Date('2026-12-01T10:00:00.000Z'),
  lastEventAt: new Date('2026-12-01T10:00:01.000Z'),
  downloaded: false,
  params: { 'media.id': 'forged', 'media.playerName': 'p', ...params },
  retries: 0,
  wireFormat: 'mca',
  configId: null,
});

const options = { maxIntervalSeconds: 600 };

/** The report built both ways: streamed one event at a time, and from the whole list. */
function reportsOf(sessionFacts: SessionFacts, events: readonly MetricEvent[]): SessionReport {
  const builder = new SessionReportBuilder(sessionFacts, options);
  for (const event of events) builder.add(event);
  const streamed = builder.finish();
  expect(streamed).toEqual(buildSessionReport(sessionFacts, events, options));
  return streamed;
}

/** Every number in the report, wherever it is nested. */
function numbersIn(value: unknown): number[] {
  if (typeof value === 'number') return [value];
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(numbersIn);
}

const allMarkers = { p10: true, p25: true, p50: true, p75: true, p95: true };

describe('C5 (revised) the forged timeline on on-demand content (media.length 600)', () => {
  const vod = facts({ 'media.length': 600, 'media.contentType': 'vod' });

  it('C5: content time is one capped interval, the unique time is 0, three corrections', () => {
    const report = reportsOf(vod, forged(1e9));
    // play@2 → ping@2^53−1 is 9,007,199,254,740,989 ms, capped at 600 s; ping → sessionEnd is 0
    expect(report.contentTimeSpent).toBe(600);
    expect(report.adTimeSpent).toBe(0);
    expect(report.mediaTimeSpent).toBe(600);
    // 0 → 1e9 in (capped) 600 s is further than 600 + 1 s: a seek, which covers nothing; the
    // sessionEnd holds the playhead: [600, 600] is empty
    expect(report.uniqueTimePlayed).toBe(0);
    // the capped interval, and the playheads of 1e9 on the ping and the sessionEnd
    expect(report.clamped).toBe(3);
    // the highest playhead, clamped, is media.length: a forward seek to the end passes every
    // marker (C5: "a forward seek sets every marker it passes")
    expect(report.progress).toEqual(allMarkers);
    // 600 / 600
    expect(report.averageMinuteAudience).toBe(1);
    expect(report.estimatedStreams).toBe(1);
    expect(report.contentStarted).toBe(true);
    expect(report.dropBeforeStart).toBe(false);
    expect(report.stall).toEqual({ count: 0, duration: 0 });
    expect(report.pause).toEqual({ count: 0, duration: 0 });
    expect(report.buffer).toEqual({ count: 0, duration: 0 });
    for (const n of numbersIn(report)) expect(Number.isFinite(n) && n >= 0).toBe(true);
  });

  it('C5: a forged playhead one second past the length is covered, clamped: unique time is media.length', () => {
    // 0 → 601 in (capped) 600 s is within 600 + 1 s: covered, as [0, 600] once clamped
    const report = reportsOf(vod, forged(601));
    expect(report.uniqueTimePlayed).toBe(600);
    expect(report.contentTimeSpent).toBe(600);
    expect(report.clamped).toBe(3);
    expect(report.progress).toEqual(allMarkers);
  });

  it('C5: one more hour of pings after the jump adds at most the cap per interval', () => {
    // six pings 10 min apart after the forged one, each at the clamped end
    const events = [
      ...forged(1e9).slice(0, 3),
      ...Array.from({ length: 6 }, (_, i) => ({
        eventType: 'ping',
        ts: FORGED_TS,
        playhead: 1e9,
        seq: 3 + i,
      })),
      { eventType: 'sessionEnd', ts: FORGED_TS, playhead: 1e9, seq: 9 },
    ];
    const report = reportsOf(vod, events);
    // every later interval is 0 ms (one ts): still one capped interval in all
    expect(report.contentTimeSpent).toBe(600);
    // 8 playheads of 1e9 clamped, 1 interval capped
    expect(report.clamped).toBe(9);
    // ping, ping, ping… at one playhead, playing: one stall from the forged ping to the last
    // event, lasting 0 s of (capped) session clock
    expect(report.stall).toEqual({ count: 1, duration: 0 });
  });
});

describe('C5 (revised) the forged timeline on content of unknown length (media.length 0)', () => {
  const live = facts({ 'media.length': 0, 'media.contentType': 'live' });

  it('C5: content time capped, progress and averageMinuteAudience null, one correction', () => {
    const report = reportsOf(live, forged(1e9));
    expect(report.contentTimeSpent).toBe(600);
    expect(report.mediaTimeSpent).toBe(600);
    // a seek again: no length to clamp to, but 1e9 is still further than 600 + 1 s
    expect(report.uniqueTimePlayed).toBe(0);
    expect(report.progress).toBeNull();
    expect(report.averageMinuteAudience).toBeNull();
    expect(report.estimatedStreams).toBe(1);
    // only the capped interval: nothing to clamp a playhead to
    expect(report.clamped).toBe(1);
    for (const n of numbersIn(report)) expect(Number.isFinite(n) && n >= 0).toBe(true);
  });

  it('C5: a playhead within the capped interval counts as watched, unclamped', () => {
    const report = reportsOf(live, forged(601));
    // 0 → 601 in 600 s + 1 s: covered, and with no length nothing clamps it
    expect(report.uniqueTimePlayed).toBe(601);
    expect(report.clamped).toBe(1);
  });
});
