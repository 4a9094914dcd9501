import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSessionStart, anEvent } from '../support/factories.js';
import {
  KeepAliveClient,
  type RawAnswer,
  rssKiB,
  startFaultService,
  stopService,
} from '../support/fault-client.js';
import { percentile, printFigures, round } from '../support/fault-load.js';
import { sessionIdFrom, post } from '../support/http.js';
import { type ServiceProcess } from '../support/service-process.js';

/**
 * Bodies built to make validation expensive (contract C1, C6), against the built service: the
 * 4 MB array of 1.39 M `{}` that froze the event loop for 14-19 s (RSS 3.2 GB, a 152 MB answer),
 * and the 21,000-entry statesUpdate that cost ~200 ms of event loop and a 1.6 MB answer each, so
 * that at 9 req/s other clients' pings went from 2 ms to 1.2 s. Every figure is printed.
 */

const JSON_TYPE = { 'content-type': 'application/json' };
/**
 * The others' ping p99 while the statesUpdates arrive. Measured on a 2-CPU machine busy with other
 * work (load average 7-9): 47 and 60 ms in two runs now (39 and 40 ms before the statesUpdates
 * began), 377 ms with each statesUpdate validated item by item (the issue saw 1.2 s on a quiet
 * machine). 150 ms leaves the busy machine's noise room and still fails the old behaviour by 2.5x.
 */
const DURING_P99_BOUND_MS = 150;

/** The issue's body: 1.39 M empty objects, 4 MB. */
const EMPTY_OBJECTS = Buffer.from(`[${Array.from({ length: 1_390_000 }, () => '{}').join(',')}]`);

/** Repeats `probe` every `everyMs` (one at a time) until stopped; the latencies in ms. */
function everyMs(everyMs: number, probe: () => Promise<unknown>) {
  const latencies: number[] = [];
  let running = true;
  const done = (async () => {
    while (running) {
      const started = performance.now();
      await probe();
      latencies.push(performance.now() - started);
      await sleep(everyMs);
    }
  })();
  return {
    latencies,
    async stop(): Promise<number[]> {
      running = false;
      await done;
      return latencies;
    },
  };
}

/** The process's RSS every 20 ms until stopped; the peak in KiB. */
function rssPeak(pid: number) {
  let peak = 0;
  const sampler = everyMs(20, async () => {
    peak = Math.max(peak, await rssKiB(pid));
  });
  return {
    async stop(): Promise<number> {
      await sampler.stop();
      return peak;
    },
  };
}

const latencyFigures = (latencies: readonly number[]) => ({
  count: latencies.length,
  p50: round(percentile(latencies, 50)),
  p99: round(percentile(latencies, 99)),
  max: round(Math.max(0, ...latencies)),
});

describe('hostile bodies against the built service (C1, C6)', () => {
  let service: ServiceProcess;
  let pid: number;

  beforeAll(async () => {
    service = await startFaultService();
    pid = service.child.pid ?? 0;
    // Warm the routes and the validators, so the baseline RSS is the running service's.
    for (let i = 0; i < 20; i += 1) {
      await post(service.baseUrl, '/api/v1/sessions', aSessionStart());
      await post(service.baseUrl, '/api/v1/downloaded', [{}]);
    }
  });

  afterAll(async () => {
    await stopService(service);
  });

  it('(a) the 4 MB array of 1.39 M `{}` on /api/v1/downloaded: 400 in under 2 s and 20 KB; /health answers within 1 s meanwhile; RSS grows by under 600 MB', async () => {
    const hostile = new KeepAliveClient(service.baseUrl, 1, 60_000);
    const health = new KeepAliveClient(service.baseUrl, 1, 60_000);
    try {
      const rssBefore = await rssKiB(pid);
      const rss = rssPeak(pid);
      const probes = everyMs(50, () => health.send({ method: 'GET', path: '/health' }));
      await sleep(500);
      const answers: RawAnswer[] = [];
      for (let i = 0; i < 3; i += 1) {
        answers.push(
          await hostile.send({
            path: '/api/v1/downloaded',
            headers: JSON_TYPE,
            body: EMPTY_OBJECTS,
          }),
        );
      }
      await sleep(500);
      const healthLatencies = await probes.stop();
      const rssPeakKiB = await rss.stop();
      const rssAfter = await rssKiB(pid);

      const figures = {
        requestBytes: EMPTY_OBJECTS.length,
        answers: answers.map((a) => ({
          status: a.status,
          ms: round(a.ms),
          bytes: a.body.length,
        })),
        firstAnswer: answers[0]?.text,
        healthLatencyMs: latencyFigures(healthLatencies),
        rssMiB: {
          before: round(rssBefore / 1024),
          peak: round(rssPeakKiB / 1024),
          after: round(rssAfter / 1024),
          growth: round((rssPeakKiB - rssBefore) / 1024),
        },
        issue: { blockedSeconds: '14-19', rssGiB: 3.2, answerMB: 152 },
      };
      printFigures('hostile bodies (a): 4 MB array of 1.39 M {} on /api/v1/downloaded', figures);

      for (const answer of answers) {
        expect(answer.status).toBe(400);
        expect(answer.ms).toBeLessThan(2_000);
        expect(answer.body.length).toBeLessThan(20_000);
      }
      expect(JSON.parse(answers[0]?.text ?? '{}')).toMatchObject({
        errors: [{ path: '$', message: 'must hold at most 100001 elements' }],
      });
      expect(healthLatencies.length).toBeGreaterThan(10);
      expect(Math.max(...healthLatencies)).toBeLessThan(1_000);
      expect(rssPeakKiB - rssBefore).toBeLessThan(600 * 1024);
    } finally {
      hostile.close();
      health.close();
    }
  });

  it('(b) a 21,000-entry statesUpdate at 9 req/s for 10 s: each a 400 under 5 KB; the others’ pings stay fast', async () => {
    const PINGERS = 4;
    const STATES = Array.from({ length: 21_000 }, () => ({}));
    const pingers = await Promise.all(
      Array.from({ length: PINGERS }, async () => {
        const res = await post(service.baseUrl, '/api/v1/sessions', aSessionStart());
        return {
          sid: sessionIdFrom(res),
          client: new KeepAliveClient(service.baseUrl, 1, 30_000),
          ts: 1_700_000_000_000,
        };
      }),
    );
    const hostileSid = sessionIdFrom(
      await post(service.baseUrl, '/api/v1/sessions', aSessionStart()),
    );
    const hostile = new KeepAliveClient(service.baseUrl, 1, 30_000);
    const statesUpdate = Buffer.from(
      JSON.stringify(
        anEvent('statesUpdate', { params: { statesStart: STATES, statesEnd: undefined } }),
      ),
    );
    const pingStatuses = new Set<number>();
    const pingLoops = pingers.map((pinger) =>
      everyMs(20, async () => {
        pinger.ts += 1000;
        const body = anEvent('ping', {
          playerTime: { ts: pinger.ts, playhead: (pinger.ts % 1_000_000) / 1000 },
        });
        const answer = await pinger.client.send({
          path: `/api/v1/sessions/${pinger.sid}/events`,
          headers: JSON_TYPE,
          body: Buffer.from(JSON.stringify(body)),
        });
        pingStatuses.add(answer.status);
      }),
    );
    try {
      await sleep(5_000);
      const before = pingLoops.map((loop) => loop.latencies.length);

      // 9 req/s from one client, each sent on time whatever the previous answer took.
      const bad: RawAnswer[] = [];
      const started = performance.now();
      const sends: Promise<void>[] = [];
      for (let i = 0; i < 90; i += 1) {
        const due = started + (i * 1000) / 9;
        await sleep(Math.max(0, due - performance.now()));
        sends.push(
          hostile
            .send({
              path: `/api/v1/sessions/${hostileSid}/events`,
              headers: JSON_TYPE,
              body: statesUpdate,
            })
            .then((answer) => void bad.push(answer)),
        );
      }
      await Promise.all(sends);
      const hostileMs = performance.now() - started;
      const during = pingLoops.map((loop) => loop.latencies.length);

      const latencies = await Promise.all(pingLoops.map((loop) => loop.stop()));
      const beforeMs = latencies.flatMap((l, i) => l.slice(0, before[i]));
      const duringMs = latencies.flatMap((l, i) => l.slice(before[i], during[i]));

      const figures = {
        statesUpdate: {
          requestBytes: statesUpdate.length,
          sent: bad.length,
          seconds: round(hostileMs / 1000),
          statuses: [...new Set(bad.map((a) => a.status))],
          answerMs: latencyFigures(bad.map((a) => a.ms)),
          answerBytesMax: Math.max(...bad.map((a) => a.body.length)),
          answer: bad[0]?.text,
        },
        othersPingMs: { before: latencyFigures(beforeMs), during: latencyFigures(duringMs) },
        pingStatuses: [...pingStatuses],
        issue: { perStatesUpdateMs: 200, answerMB: 1.6, othersPingMs: { before: 2, during: 1200 } },
      };
      printFigures('hostile bodies (b): 21,000-entry statesUpdate at 9 req/s', figures);

      expect(bad).toHaveLength(90);
      for (const answer of bad) {
        expect(answer.status).toBe(400);
        expect(answer.body.length).toBeLessThan(5_000);
      }
      expect(JSON.parse(bad[0]?.text ?? '{}')).toMatchObject({
        errors: [{ path: 'params.statesStart', message: 'must hold at most 100 items' }],
      });
      expect([...pingStatuses]).toEqual([204]);
      expect(duringMs.length).toBeGreaterThan(100);
      expect(percentile(duringMs, 99)).toBeLessThan(DURING_P99_BOUND_MS);
    } finally {
      await Promise.all(pingLoops.map((loop) => loop.stop()));
      hostile.close();
      for (const { client } of pingers) client.close();
    }
  });
});
