// Times the metrics engine (contract C5) on synthetic sessions: `npm run build && node bench/metrics.mjs`.
// Cases: (a) one 24-hour live session of about 10,000 events; (b) 10,000 typical on-demand
// sessions of about 60 events each. Prints one JSON line per case; the target is >= 1,000,000
// events per second.
import { computeSessionMetrics } from '../dist/src/media/metrics/session-metrics.js';

const T0 = 1_700_000_000_000;
/** Warm-up (so the JIT has optimised the engine) and timed runs: at least this many and this long. */
const WARMUP = { runs: 5, ms: 300 };
const TIMED = { runs: 11, ms: 500 };

/** A small deterministic PRNG (mulberry32), so every run times the same sessions. */
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Collects events in player order, with the fields the stored rows give the engine. */
class Recorder {
  constructor() {
    this.events = [];
    this.ts = T0;
    this.playhead = 0;
  }
  add(eventType, params = null, qoeData = null) {
    this.events.push({
      eventType,
      ts: this.ts,
      playhead: this.playhead,
      seq: this.events.length,
      params,
      qoeData,
    });
  }
  /** Advances the clock; the playhead moves too when `playing` (wrapping at `wrap`). */
  wait(ms, playing, wrap = Infinity) {
    this.ts += ms;
    if (playing) this.playhead = (this.playhead + ms / 1000) % wrap;
  }
}

const adStartParams = (id, length, position) => ({
  'media.ad.id': id,
  'media.ad.length': length,
  'media.ad.podPosition': position,
  'media.ad.playerName': 'bench-player',
});

/** (a) 24 h of live content: pings every ~8.6 s, pauses, buffering, ad breaks, bitrate changes. */
function liveDay() {
  const DAY = 86_400;
  const random = prng(7);
  const r = new Recorder();
  r.add('sessionStart', { 'media.length': DAY, 'media.contentType': 'live' });
  r.wait(800, false);
  r.add('play', null, { 'media.qoe.timeToStart': 800, 'media.qoe.bitrate': 3_000_000 });
  let pod = 0;
  while (r.ts - T0 < DAY * 1000 - 120_000) {
    r.wait(8_600, true, DAY);
    const roll = random();
    if (roll < 0.005) {
      r.add('pauseStart');
      for (let i = 0; i < 3; i += 1) {
        r.wait(8_600, false);
        r.add('ping');
      }
      r.wait(2_000, false);
      r.add('play');
    } else if (roll < 0.015) {
      r.add('bufferStart');
      r.wait(1_500, false);
      r.add('play');
    } else if (roll < 0.017) {
      pod += 1;
      r.add('adBreakStart', { 'media.ad.podIndex': pod, 'media.ad.podSecond': r.playhead });
      for (let ad = 1; ad <= 2; ad += 1) {
        r.add('adStart', adStartParams(`live-${pod}-${ad}`, 15, ad));
        for (let s = 0; s < 15; s += 1) {
          r.wait(1_000, false);
          r.add('ping');
        }
        r.add(ad === 2 && random() < 0.3 ? 'adSkip' : 'adComplete');
      }
      r.add('adBreakComplete');
    } else if (roll < 0.03) {
      r.add('bitrateChange', null, {
        'media.qoe.bitrate': 1_000_000 + Math.floor(random() * 5) * 1_000_000,
      });
    } else {
      r.add(
        'ping',
        null,
        random() < 0.05 ? { 'media.qoe.droppedFrames': Math.floor(r.ts / 1e7) } : null,
      );
    }
  }
  r.add('sessionEnd');
  return { events: r.events, mediaLength: DAY, closed: true, maxIntervalSeconds: 600 };
}

/** (b) One typical on-demand session of about 60 events: pre-roll, chapters, a pause, a buffer. */
function typicalSession(random) {
  const length = 600 + Math.floor(random() * 1200);
  const r = new Recorder();
  r.add('sessionStart', { 'media.length': length, 'media.contentType': 'vod' });
  r.add('adBreakStart', { 'media.ad.podIndex': 0, 'media.ad.podSecond': 0 });
  r.add('adStart', adStartParams('pre', 6, 1));
  r.add('play', null, { 'media.qoe.timeToStart': 900 + Math.floor(random() * 900) });
  for (let s = 0; s < 6; s += 1) {
    r.wait(1_000, false);
    r.add('ping');
  }
  r.add('adComplete');
  r.add('adBreakComplete');
  r.add('play', null, { 'media.qoe.bitrate': 2_000_000 });
  r.add('chapterStart', {
    'media.chapter.index': 1,
    'media.chapter.offset': 0,
    'media.chapter.length': length / 2,
  });
  const pings = 38 + Math.floor(random() * 10);
  for (let i = 1; i <= pings; i += 1) {
    r.wait(10_000, true);
    r.add('ping');
    if (i === 12) {
      r.wait(3_000, true);
      r.add('bufferStart');
      r.wait(2_000, false);
      r.add('play');
    } else if (i === 20) {
      r.add('chapterComplete');
      r.add('chapterStart', {
        'media.chapter.index': 2,
        'media.chapter.offset': r.playhead,
        'media.chapter.length': length / 2,
      });
      r.add('bitrateChange', null, { 'media.qoe.bitrate': 4_000_000 });
    } else if (i === 30 && random() < 0.5) {
      r.add('pauseStart');
      r.wait(10_000, false);
      r.add('ping');
      r.add('play');
    }
  }
  r.add('chapterComplete');
  r.add('sessionComplete');
  r.add('sessionEnd');
  return { events: r.events, mediaLength: length, closed: true, maxIntervalSeconds: 600 };
}

function typicalSessions(count) {
  const random = prng(11);
  return Array.from({ length: count }, () => typicalSession(random));
}

/** Runs every session once; returns a checksum so the work cannot be optimised away. */
function pass(sessions) {
  let check = 0;
  for (const session of sessions) check += computeSessionMetrics(session).mediaTimeSpent;
  return check;
}

const elapsedMs = (since) => Number(process.hrtime.bigint() - since) / 1e6;

/** Prints the median time of one pass over `sessions`, and the events per second it gives. */
function measure(name, sessions) {
  const events = sessions.reduce((sum, s) => sum + s.events.length, 0);
  let check = 0;
  const warmupStart = process.hrtime.bigint();
  for (let i = 0; i < WARMUP.runs || elapsedMs(warmupStart) < WARMUP.ms; i += 1) {
    check = pass(sessions);
  }
  const times = [];
  const timedStart = process.hrtime.bigint();
  while (times.length < TIMED.runs || elapsedMs(timedStart) < TIMED.ms) {
    const start = process.hrtime.bigint();
    check = pass(sessions);
    times.push(elapsedMs(start));
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)];
  const line = {
    case: name,
    sessions: sessions.length,
    events,
    runs: times.length,
    ms: Math.round(ms * 1000) / 1000,
    minMs: Math.round(times[0] * 1000) / 1000,
    eventsPerSecond: Math.round(events / (ms / 1000)),
    mediaTimeSpent: Math.round(check),
  };
  console.log(JSON.stringify(line));
}

measure('live-24h', [liveDay()]);
measure('typical-vod', typicalSessions(10_000));
