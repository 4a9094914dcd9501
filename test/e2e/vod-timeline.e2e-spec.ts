import { describe, expect, it } from 'vitest';
import { expectCorsHeaders, expectErrorEnvelope } from '../support/contract.js';
import { aSessionStart } from '../support/factories.js';
import { sessionIdFrom } from '../support/http.js';
import {
  type Timed,
  aPing,
  eventRows,
  sendEvent,
  sessionRow,
  timedPost,
} from '../support/lifecycle.js';
import { useTestApp } from '../support/test-app.js';

/** The seed's sessionStart timestamp; the player's clock runs on from it in milliseconds. */
const T0 = 1509045324153;
const LENGTH = 120;

/**
 * Where the content playhead (seconds) is `ms` after sessionStart: a 5 s pre-roll, play from 5.4 s,
 * paused 38–58 s, buffering 66–77 s, then playing to the end of the 120 s video.
 */
function playhead(ms: number): number {
  const segments: Array<[from: number, to: number, startsAt: number]> = [
    [5_400, 38_000, 0],
    [58_000, 66_000, 32.6],
    [77_000, Infinity, 40.6],
  ];
  let position = 0;
  for (const [from, to, startsAt] of segments) {
    if (ms >= from) position = startsAt + (Math.min(ms, to) - from) / 1000;
  }
  return Math.min(LENGTH, Math.round(position * 1000) / 1000);
}

type Body = Record<string, unknown>;

function event(ms: number, eventType: string, members: Body = {}): Body {
  return { playerTime: { playhead: playhead(ms), ts: T0 + ms }, eventType, ...members };
}

/** Everything a player sends after sessionStart, in the order it sends it. */
function vodTimeline(): Body[] {
  const events: Array<[number, Body]> = [
    [
      200,
      event(200, 'adBreakStart', {
        params: {
          'media.ad.podIndex': 0,
          'media.ad.podSecond': 0,
          'media.ad.podFriendlyName': 'pre-roll',
        },
      }),
    ],
    [
      250,
      event(250, 'adStart', {
        params: {
          'media.ad.id': 'ad-42',
          'media.ad.name': 'Spring sale',
          'media.ad.length': 5,
          'media.ad.podPosition': 1,
          'media.ad.playerName': 'sample-html5-api-player',
        },
        customMetadata: { 'campaign.id': 'spring' },
      }),
    ],
    // Ad pings every second; the content playhead stays at 0 during a pre-roll.
    ...[1_250, 2_250, 3_250, 4_250].map((ms): [number, Body] => [ms, aPing(0, T0 + ms)]),
    [5_250, event(5_250, 'adComplete')],
    [5_300, event(5_300, 'adBreakComplete')],
    [5_400, event(5_400, 'play', { qoeData: { 'media.qoe.timeToStart': 5_400 } })],
    [
      5_450,
      event(5_450, 'chapterStart', {
        params: {
          'media.chapter.index': 0,
          'media.chapter.offset': 0,
          'media.chapter.length': 60,
          'media.chapter.friendlyName': 'Part one',
        },
      }),
    ],
    [27_000, event(27_000, 'bitrateChange', { qoeData: { 'media.qoe.bitrate': 2_500_000 } })],
    [38_000, event(38_000, 'pauseStart')],
    [58_000, event(58_000, 'play')],
    [66_000, event(66_000, 'bufferStart')],
    [77_000, event(77_000, 'play')],
    [96_400, event(96_400, 'chapterComplete')],
    [97_000, event(97_000, 'stateStart', { params: { 'media.state.name': 'fullscreen' } })],
    [
      100_000,
      event(100_000, 'error', {
        qoeData: { 'media.qoe.errorID': 'decoder-hiccup', 'media.qoe.errorSource': 'player' },
      }),
    ],
    [
      106_000,
      event(106_000, 'statesUpdate', {
        params: {
          statesStart: [{ 'media.state.name': 'mute' }, { 'media.state.name': 'closedCaptioning' }],
          statesEnd: [{ 'media.state.name': 'pictureInPicture' }],
        },
      }),
    ],
    [110_000, event(110_000, 'stateEnd', { params: { 'media.state.name': 'fullscreen' } })],
    [156_400, event(156_400, 'sessionComplete')],
    [156_500, event(156_500, 'sessionEnd')],
  ];
  // Content pings every 10 s from the first play, whatever the state (paused, buffering too).
  for (let ms = 15_400; ms < 156_400; ms += 10_000) {
    events.push([ms, aPing(playhead(ms), T0 + ms)]);
  }
  return events.sort(([a], [b]) => a - b).map(([, body]) => body);
}

describe('C3, C4: a realistic VOD session from start to end', () => {
  const sut = useTestApp();

  it('C4: a 2.5-minute VOD timeline of a 120 s video is answered 204 throughout, stored once in seq order, closed by sessionEnd; a later event gets 410', async () => {
    const start = aSessionStart({
      params: { 'media.length': LENGTH, 'media.id': 'vod-120', 'media.name': 'Two minutes' },
      body: { qoeData: { 'media.qoe.bitrate': 1_200_000 } },
    });
    const created = await timedPost(sut.baseUrl, '/api/v1/sessions', start);
    expect(created.status).toBe(201);
    const sid = sessionIdFrom(created);

    const timeline = vodTimeline();
    const types = timeline.map((e) => e.eventType);
    // The timeline is what the brief asks for, so these checks are about the test itself.
    expect(types.filter((t) => t === 'ping')).toHaveLength(4 + 15);
    expect(types.at(-1)).toBe('sessionEnd');
    expect(new Set(timeline.map((e) => (e.playerTime as { ts: number }).ts)).size).toBe(
      timeline.length,
    );

    const answers: Timed[] = [];
    for (const body of timeline) answers.push(await sendEvent(sut.baseUrl, sid, body));
    for (const [i, answer] of answers.entries()) {
      const label = `${i}: ${String(types[i])}`;
      expect(answer.status, label).toBe(204);
      expect(answer.text, label).toBe('');
      expectCorsHeaders(answer.headers);
    }

    const sent = [start, ...timeline];
    const stored = await eventRows(sut.db, sid);
    expect(stored.map((e) => e.seq)).toEqual(sent.map((_, i) => i + 1));
    expect(stored.map((e) => [e.event_type, Number(e.ts), e.playhead])).toEqual(
      sent.map((e) => {
        const { playhead: position, ts } = e.playerTime as { playhead: number; ts: number };
        return [e.eventType, ts, position];
      }),
    );
    const storedOf = (type: string) => stored.find((e) => e.event_type === type);
    expect(storedOf('bitrateChange')?.qoe_data).toEqual({ 'media.qoe.bitrate': 2_500_000 });
    expect(storedOf('error')?.qoe_data).toEqual({
      'media.qoe.errorID': 'decoder-hiccup',
      'media.qoe.errorSource': 'player',
    });
    expect(storedOf('adStart')?.params).toMatchObject({ 'media.ad.id': 'ad-42' });
    expect(storedOf('statesUpdate')?.params).toMatchObject({
      statesStart: [{ 'media.state.name': 'mute' }, { 'media.state.name': 'closedCaptioning' }],
    });
    expect(await sessionRow(sut.db, sid)).toMatchObject({
      close_reason: 'end',
      event_count: sent.length,
      last_playhead: LENGTH,
    });
    expect((await sessionRow(sut.db, sid)).closed_at).toBeInstanceOf(Date);

    // The player keeps pinging after the end: refused, nothing stored.
    const late = await sendEvent(sut.baseUrl, sid, aPing(LENGTH, T0 + 160_400));
    expectErrorEnvelope(late, 410);
    expectCorsHeaders(late.headers);
    expect(await eventRows(sut.db, sid)).toEqual(stored);
    expect(await sessionRow(sut.db, sid)).toMatchObject({
      close_reason: 'end',
      event_count: sent.length,
    });
  });
});

/** The retry test's timeline: up to the second content ping, 12 events after sessionStart. */
const RETRY_TIMELINE_LENGTH = 12;

describe('C3: a retried event in a realistic timeline (a session takes at most 13 events)', () => {
  const sut = useTestApp({ SESSION_MAX_EVENTS: String(1 + RETRY_TIMELINE_LENGTH) });

  it('C3: a ping the player retries (same type and ts) is answered 204 and stored once, and does not count: the arrival sequence and event count stay 1..n, so the session still takes its full 13 events', async () => {
    const sid = sessionIdFrom(
      await timedPost(
        sut.baseUrl,
        '/api/v1/sessions',
        aSessionStart({ params: { 'media.length': LENGTH } }),
      ),
    );
    const timeline = vodTimeline().slice(0, RETRY_TIMELINE_LENGTH);
    const retried = timeline[10]; // the first content ping, sent twice (network retry)
    expect(retried.eventType).toBe('ping');
    const sent = [...timeline.slice(0, 11), retried, ...timeline.slice(11)];
    const answers: Timed[] = [];
    for (const body of sent) answers.push(await sendEvent(sut.baseUrl, sid, body));
    expect
      .soft(
        answers.map((r) => r.status),
        'answers',
      )
      .toEqual(sent.map(() => 204));

    const stored = await eventRows(sut.db, sid);
    expect
      .soft(
        stored.map((e) => [e.event_type, Number(e.ts)]),
        'stored events',
      )
      .toEqual(
        [aSessionStart(), ...timeline].map((e) => [
          e.eventType,
          (e.playerTime as { ts: number }).ts,
        ]),
      );
    expect
      .soft(
        stored.map((e) => e.seq),
        'seq after a retry',
      )
      .toEqual(stored.map((_, i) => i + 1));
    expect(await sessionRow(sut.db, sid)).toMatchObject({
      closed_at: null,
      event_count: 1 + timeline.length,
    });
  });
});
