import { describe, expect, it } from 'vitest';
import { type SessionFacts, buildSessionReport } from '../../src/media/metrics/session-report.js';
import { SummaryAccumulator } from '../../src/reports/summary.js';
import { timeline } from '../support/timeline.js';

// "@3610" = 3610 s after the session's first event; "ph" is the playhead. Values worked from C5.

const facts = (overrides: Partial<SessionFacts> = {}): SessionFacts => ({
  sessionId: 'a'.repeat(64),
  closeReason: 'end',
  startedAt: new Date('2026-12-01T10:00:00.000Z'),
  lastEventAt: new Date('2026-12-01T11:00:20.000Z'),
  downloaded: false,
  params: {
    'analytics.trackingServer': 'example.hb-api.omtrdc.net',
    'media.id': 'v1',
    'media.length': 100,
  },
  retries: 3,
  wireFormat: 'mca',
  configId: null,
  ...overrides,
});

// play@0, 10 s, then an hour's gap (capped), 10 s more, then a playhead of 120 > 100
const events = () =>
  timeline().sessionStart(0, 0).play(0, 0).ping(10, 10).ping(3610, 20).ping(3620, 120).build();

describe('C5 (revised) the session report', () => {
  it('C5: holds the session facts, retries as given, and every metric with clamped', () => {
    const report = buildSessionReport(facts(), events(), { maxIntervalSeconds: 600 });
    expect(report).toMatchObject({
      sessionId: 'a'.repeat(64),
      open: false,
      closeReason: 'end',
      startedAt: '2026-12-01T10:00:00.000Z',
      lastEventAt: '2026-12-01T11:00:20.000Z',
      downloaded: false,
      // only the media.* params
      media: { 'media.id': 'v1', 'media.length': 100 },
      retries: 3,
      wireFormat: 'mca',
      configId: null,
      // content 10 + 600 (of 3600) + 10 = 620 s; 620 / 100 = 6.2
      contentTimeSpent: 620,
      averageMinuteAudience: 6.2,
      // one capped interval + one playhead above the length (ping@3620 at 120)
      clamped: 2,
      // [0,10]; 10→20 moved 10 <= 601: [10,20]; 20→120 moved 100 > 11: a seek. 20 s
      uniqueTimePlayed: 20,
    });
    expect(Object.keys(report).sort()).toEqual(
      [
        'sessionId',
        'open',
        'closeReason',
        'startedAt',
        'lastEventAt',
        'downloaded',
        'media',
        'retries',
        'wireFormat',
        'configId',
        'contentStarted',
        'contentCompleted',
        'dropBeforeStart',
        'contentTimeSpent',
        'adTimeSpent',
        'mediaTimeSpent',
        'uniqueTimePlayed',
        'pause',
        'buffer',
        'stall',
        'progress',
        'averageMinuteAudience',
        'estimatedStreams',
        'bitrate',
        'timeToStart',
        'droppedFrames',
        'errors',
        'ads',
        'chapters',
        'states',
        'clamped',
      ].sort(),
    );
  });

  it('C5: maxIntervalSeconds reaches the engine (a 60 s cap)', () => {
    const report = buildSessionReport(facts(), events(), { maxIntervalSeconds: 60 });
    // content 10 + 60 + 10 = 80 s; 80 / 100 = 0.8; the same two corrections
    expect(report.contentTimeSpent).toBe(80);
    expect(report.averageMinuteAudience).toBe(0.8);
    expect(report.clamped).toBe(2);
  });

  it('C5: an open session with media.length 0 has null averageMinuteAudience and progress', () => {
    const report = buildSessionReport(
      facts({ closeReason: null, retries: 0, params: { 'media.id': 'live', 'media.length': 0 } }),
      events(),
      { maxIntervalSeconds: 600 },
    );
    expect(report.open).toBe(true);
    expect(report.retries).toBe(0);
    expect(report.averageMinuteAudience).toBeNull();
    expect(report.progress).toBeNull();
    // no length to clamp to: only the capped interval
    expect(report.clamped).toBe(1);
    expect(report.contentTimeSpent).toBe(620);
  });
});

describe('C5 (revised) the summary of reports computed on the fly', () => {
  it('C5: a session with a null averageMinuteAudience is left out of the sum, and counted elsewhere', () => {
    const known = buildSessionReport(facts(), events(), { maxIntervalSeconds: 600 });
    const unknown = buildSessionReport(
      facts({ sessionId: 'b'.repeat(64), params: { 'media.length': 0 } }),
      events(),
      { maxIntervalSeconds: 600 },
    );
    const totals = new SummaryAccumulator();
    totals.addReport('all', known);
    totals.addReport('all', unknown);
    const [row] = totals.rows();
    // 6.2 from the known session, nothing from the unknown one
    expect(row.averageMinuteAudience).toBe(6.2);
    // both still count as starts and for their time: 620 + 620
    expect(row.mediaStarts).toBe(2);
    expect(row.contentTimeSpent).toBe(1240);
  });

  it('C5: a group holding only sessions of unknown length sums to 0, never NaN', () => {
    const totals = new SummaryAccumulator();
    totals.addReport(
      'live',
      buildSessionReport(facts({ params: { 'media.length': 0 } }), events(), {
        maxIntervalSeconds: 600,
      }),
    );
    expect(totals.rows()[0].averageMinuteAudience).toBe(0);
  });
});
