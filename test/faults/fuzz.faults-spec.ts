import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faultsDatabaseUrl } from '../support/faults-database.js';
import { aSessionStart, anEvent } from '../support/factories.js';
import {
  c6Problems,
  Findings,
  forEachConcurrently,
  KeepAliveClient,
  preview,
  type RawAnswer,
  rssKiB,
  serviceAlive,
  startFaultService,
  stopService,
  Tally,
} from '../support/fault-client.js';
import { type FuzzCase, fuzzCases, type FuzzTargets } from '../support/fuzz-bodies.js';
import { type ServiceProcess } from '../support/service-process.js';

/**
 * C1, C3, C6, C7 under a deterministic fuzz: 100,000 generated bodies against every POST route of
 * the built service, over 32 keep-alive connections. Zero 5xx, the C6 envelope on every error,
 * the exact status where the contract fixes one, the process alive and answering, RSS bounded,
 * and nothing injected through `__proto__` reaches a later answer.
 *
 * Also checked: the report worker keeps up with the thousands of sessions the run closes (a
 * session it cannot report must not stall the others), and the figures are printed for the notes.
 *
 * FUZZ_SEED, FUZZ_CASES (at least 100,000) and FUZZ_CONCURRENCY override the seed (printed), the
 * case count and the number of keep-alive connections. The service is the bottleneck (one core):
 * 1,000 to 1,800 requests/s on a 2-core machine, depending on what else runs there.
 */

const SEED = Number(process.env.FUZZ_SEED ?? 20_261_127);
const CASES = Math.max(100_000, Number(process.env.FUZZ_CASES ?? 100_000));
/**
 * Cases sent before RSS is first measured. V8 grows its heap to the working size of the load and
 * keeps it; "memory flat" asks that nothing grows beyond that, so the warm-up must reach it (with
 * 5,000 cases the rare huge bodies had not all come yet, and the ratio wandered 0.96 to 1.5).
 */
const WARM_UP = 20_000;
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 32);
const BODY_LIMIT = 64 * 1024; // BODY_LIMIT_BYTES default, src/config/app-config.ts
const DOWNLOADED_BODY_LIMIT = 4 << 20; // DOWNLOADED_BODY_LIMIT_BYTES default
const TOKEN = 'fuzz-reports-token-0123456789';
const MARKER = `polluted_${SEED}`;

/** Every status a client can cause here (C1 to C4, C7); anything else is a finding. */
const CLIENT_OUTCOMES = new Set([201, 204, 400, 404, 410, 413, 415]);

const log = (line: string) => console.log(`[fuzz] ${line}`);

describe('fuzz: 100,000 generated bodies against every POST route (C1, C3, C6, C7)', () => {
  let service: ServiceProcess;
  let client: KeepAliveClient;
  let db: pg.Pool;
  const openSids: string[] = [];
  const closingSids: string[] = [];

  async function startSession(): Promise<string> {
    const res = await client.send({
      path: '/api/v1/sessions',
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(JSON.stringify(aSessionStart())),
    });
    expect(res.status, res.text).toBe(201);
    return /[0-9a-f]{64}$/.exec(String(res.headers.location))![0];
  }

  beforeAll(async () => {
    // The inspector (loopback, a free port) lets the test ask for a full garbage collection, so RSS
    // is compared at the same point of the collector's cycle before and after.
    service = await startFaultService({
      REPORTS_API_TOKEN: TOKEN,
      NODE_OPTIONS: '--inspect=127.0.0.1:0',
    });
    client = new KeepAliveClient(service.baseUrl, CONCURRENCY);
    db = new pg.Pool({ connectionString: faultsDatabaseUrl(), max: 1 });
    for (let i = 0; i < 16; i += 1) openSids.push(await startSession());
    for (let i = 0; i < 4; i += 1) closingSids.push(await startSession());
  });

  afterAll(async () => {
    if (service && !serviceAlive(service)) {
      log(
        `the service exited (${String(service.child.exitCode ?? service.child.signalCode)}); its last output:\n${service.output().slice(-4000)}`,
      );
    }
    client?.close();
    await db?.end();
    await stopService(service);
  });

  it('C1/C6: no 5xx, the envelope on every error, exact statuses where fixed, alive, RSS bounded, no pollution', async () => {
    const targets: FuzzTargets = {
      openSids,
      closingSids,
      bodyLimit: BODY_LIMIT,
      downloadedBodyLimit: DOWNLOADED_BODY_LIMIT,
      marker: MARKER,
    };
    const generator = fuzzCases(SEED, targets);
    const pid = service.child.pid!;

    const byRoute = new Tally();
    const byStatus = new Tally();
    const byKind = new Tally();
    const byRouteStatus = new Tally();
    const transport = new Tally();
    const findings = new Findings(3);
    /** The changes behind unexpected statuses, by member (array index left out). */
    const mismatchNotes = new Tally();
    let bytesSent = 0;
    let checked = 0;

    const describeCase = (c: FuzzCase, res: RawAnswer) =>
      `#${c.index} ${c.kind}${c.note ? ` (${c.note})` : ''} POST ${c.path.slice(0, 120)} ct=${c.contentType ?? '(none)'} ` +
      `body=${preview(c.body)} -> ${res.status || res.error} ${res.text.slice(0, 300)}`;

    const check = (c: FuzzCase, res: RawAnswer) => {
      checked += 1;
      if (res.status === 0) {
        transport.add(`${c.kind}:${res.error}`);
        // An over-cap body may be cut off by the server's early answer; nothing else may fail.
        if (!c.expect?.includes(413))
          findings.add(`transport error ${res.error}`, describeCase(c, res));
        return;
      }
      if (res.status >= 500) findings.add(`5xx (${res.status})`, describeCase(c, res));
      if (c.expect) {
        if (!c.expect.includes(res.status)) {
          if (c.note) {
            mismatchNotes.add(
              `${c.kind}: ${c.note.replace(/^\[\d+\]\./, '[i].')} -> ${res.status}`,
            );
          }
          findings.add(
            `${c.kind}: expected ${c.expect.join('/')}, got ${res.status}`,
            describeCase(c, res),
          );
        }
      } else if (!CLIENT_OUTCOMES.has(res.status) && res.status < 500) {
        findings.add(`unexpected status ${res.status}`, describeCase(c, res));
      }
      const problems = c6Problems(res);
      if (problems.length > 0) {
        findings.add(`C6 (${res.status}): ${problems.join('; ')}`, describeCase(c, res));
      }
      if (res.status === 201) {
        if (
          !/^\/api\/v1\/sessions\/[0-9a-f]{64}$/.test(String(res.headers.location)) ||
          res.body.length > 0
        ) {
          findings.add('201 without Location or with a body', describeCase(c, res));
        }
      }
      if (res.status === 204 && res.body.length > 0)
        findings.add('204 with a body', describeCase(c, res));
      if (res.text.includes(MARKER) || res.text.includes('polluted')) {
        findings.add('an injected member is echoed', describeCase(c, res));
      }
    };

    const send = (c: FuzzCase) =>
      client.send({
        path: c.path,
        headers: c.contentType === null ? {} : { 'content-type': c.contentType },
        body: c.body,
      });

    function* take(count: number): Generator<FuzzCase> {
      for (let i = 0; i < count; i += 1) yield generator.next();
    }

    // Warm-up: the same generator's first cases, so lazy initialisation is not counted in RSS.
    const warmStarted = performance.now();
    await forEachConcurrently(take(WARM_UP), CONCURRENCY, async (c) => check(c, await send(c)));
    const warmMs = performance.now() - warmStarted;
    const restBefore = await reportsCaughtUp(db);
    const rssBefore = await settledRss(pid, inspectorUrl(service.output()));

    // RSS every 10,000 cases: a leak climbs steadily, a heap settling does not.
    const rssTrace: number[] = [];
    let sent = 0;
    const started = performance.now();
    await forEachConcurrently(take(CASES), CONCURRENCY, async (c) => {
      sent += 1;
      if (sent % 10_000 === 0) rssTrace.push(await rssKiB(pid));
      byRoute.add(c.route);
      byKind.add(c.kind);
      bytesSent += c.body.length;
      const res = await send(c);
      byStatus.add(res.status || `error:${res.error}`);
      byRouteStatus.add(`${c.route} ${res.status || res.error}`);
      check(c, res);
    });
    const elapsedMs = performance.now() - started;
    const restAfter = await reportsCaughtUp(db);
    const rssAfter = await settledRss(pid, inspectorUrl(service.output()));

    // After the run: alive, healthy, still creating sessions and taking events.
    const alive = serviceAlive(service);
    const health = await client.send({ method: 'GET', path: '/health' });

    // Pollution probes: bodies whose handling would differ if Object.prototype had gained a member.
    const probes = await pollutionProbes(client, openSids[0]);
    for (const probe of probes) {
      if (probe.problem) findings.add(`pollution probe: ${probe.problem}`, probe.name);
    }

    const fiveXx = byStatus
      .keys()
      .filter((key) => /^5\d\d$/.test(key))
      .reduce((sum, key) => sum + byStatus.get(key), 0);
    const fixedCases = checked;
    log(
      `seed ${SEED} (FUZZ_SEED), ${CASES.toLocaleString('en-US')} cases + ${WARM_UP.toLocaleString('en-US')} warm-up, ${CONCURRENCY} keep-alive connections`,
    );
    log(
      `warm-up ${(warmMs / 1000).toFixed(1)} s; run ${(elapsedMs / 1000).toFixed(1)} s = ${Math.round(CASES / (elapsedMs / 1000)).toLocaleString('en-US')} req/s; ${(bytesSent / 1e6).toFixed(1)} MB of bodies`,
    );
    log(`by route: ${byRoute.format()}`);
    log(`by kind: ${byKind.format()}`);
    log(`by status: ${byStatus.format()}`);
    log(`by route and status: ${byRouteStatus.format()}`);
    log(`transport errors, warm-up included (by kind:code): ${transport.format() || 'none'}`);
    log(`5xx seen: ${fiveXx}`);
    log(
      `RSS at rest (once the report worker caught up, after ${(restBefore.ms / 1000).toFixed(1)} s / ${(restAfter.ms / 1000).toFixed(1)} s; after two full collections, the lowest of 12 samples over 3 s) before ${(rssBefore / 1024).toFixed(1)} MiB (after warm-up), after ${(rssAfter / 1024).toFixed(1)} MiB, ratio ${(rssAfter / rssBefore).toFixed(2)}`,
    );
    log(
      `RSS every 10,000 cases (MiB): ${rssTrace.map((kib) => (kib / 1024).toFixed(0)).join(' ')}`,
    );
    log(
      `alive at the end: ${alive}; GET /health ${health.status}; answers checked: ${fixedCases.toLocaleString('en-US')}`,
    );
    log(
      `pollution probes: ${probes.map((p) => `${p.name} ${p.status}${p.problem ? ' FAIL' : ''}`).join('; ')}`,
    );
    if (mismatchNotes.total() > 0) {
      const lines = mismatchNotes.keys().map((k) => `${k} x${mismatchNotes.get(k)}`);
      log(`unexpected statuses by change:\n  ${lines.join('\n  ')}`);
    }
    log(
      findings.size === 0 ? 'findings: none' : `findings (${findings.size}):\n${findings.report()}`,
    );

    if (restAfter.unreported > 0) {
      const failures = service
        .output()
        .split('\n')
        .filter((line) => /fail|error/i.test(line));
      log(
        `closed sessions still unreported ${(restAfter.ms / 1000).toFixed(0)} s after the run: ${restAfter.unreported}; the service's last error lines:\n${failures.slice(-5).join('\n').slice(0, 3000)}`,
      );
    }
    expect.soft(restAfter.unreported, 'closed sessions left unreported after the run').toBe(0);
    expect.soft(fiveXx, '5xx answers').toBe(0);
    expect.soft(findings.count.toObject(), 'findings').toEqual({});
    expect.soft(alive, 'process alive').toBe(true);
    expect.soft(health.status, 'GET /health').toBe(200);
    expect.soft(rssAfter, 'RSS after <= 1.2 x RSS before').toBeLessThanOrEqual(rssBefore * 1.2);
    expect(byRoute.get('sessions') + byRoute.get('events') + byRoute.get('downloaded')).toBe(CASES);
  }, 300_000);
});

/** The service's inspector address, from the line Node prints when it opens it. */
function inspectorUrl(output: string): string {
  const url = /Debugger listening on (ws:\/\/\S+)/.exec(output)?.[1];
  if (!url) throw new Error(`the service opened no inspector:\n${output.slice(0, 2000)}`);
  return url;
}

/** Asks the service's V8 for a full collection (Node 20 has WebSocket behind a flag only). */
async function collectGarbage(url: string): Promise<void> {
  const script = `const ws = new WebSocket(process.argv[1]);
    ws.onopen = () => ws.send(JSON.stringify({ id: 1, method: 'HeapProfiler.collectGarbage' }));
    ws.onmessage = (m) => { if (JSON.parse(m.data).id === 1) { ws.close(); process.exit(0); } };
    setTimeout(() => process.exit(2), 10000);`;
  await promisify(execFile)(process.execPath, [
    '--experimental-websocket',
    '--no-warnings',
    '-e',
    script,
    url,
  ]);
}

/**
 * RSS at rest: after two full garbage collections, the lowest of samples over 3 s. Without them a
 * sample lands anywhere on the collector's saw-tooth (180 to 300 MiB in a 100,000-case run; an idle
 * process never collects), and the ratio said more about timing than about leaks.
 */
async function settledRss(pid: number, inspector: string): Promise<number> {
  await collectGarbage(inspector);
  await collectGarbage(inspector);
  let lowest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 12; i += 1) {
    await sleep(250);
    lowest = Math.min(lowest, await rssKiB(pid));
  }
  return lowest;
}

/**
 * Waits until the report worker has caught up: every closed session (the fuzz closes thousands
 * through /downloaded) reported. Until then the service is busy, not at rest, and its RSS climbs
 * with that work (observed: 223 to 309 MiB over 23 s after a run, then 182 MiB once done).
 */
async function reportsCaughtUp(
  db: pg.Pool,
  timeoutMs = 30_000,
): Promise<{ ms: number; unreported: number }> {
  const started = performance.now();
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions WHERE closed_at IS NOT NULL AND reported_at IS NULL`,
    );
    const ms = performance.now() - started;
    if (rows[0].n === 0 || ms > timeoutMs) return { ms, unreported: rows[0].n };
    await sleep(250);
  }
}

interface ProbeResult {
  name: string;
  status: number;
  problem?: string;
}

/**
 * Answers that would change if `{}` had inherited `polluted`, `toString` or a marker: members with
 * those names are unknown params (accepted), so a validator that looked them up on a spec object
 * without an own-property check, or a polluted prototype, shows here.
 */
async function pollutionProbes(client: KeepAliveClient, sid: string): Promise<ProbeResult[]> {
  const results: ProbeResult[] = [];
  const json = (body: unknown) => ({
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  });
  const probe = async (
    name: string,
    path: string,
    body: unknown,
    status: number,
    extra: (res: RawAnswer) => string | undefined = () => undefined,
  ) => {
    const res = await client.send({ path, ...json(body) });
    const wrong =
      res.status !== status
        ? `expected ${status}, got ${res.status} ${res.text.slice(0, 200)}`
        : res.text.includes('polluted')
          ? `answer mentions "polluted": ${res.text.slice(0, 200)}`
          : extra(res);
    results.push({ name, status: res.status, ...(wrong ? { problem: wrong } : {}) });
    return res;
  };

  const oddNames = { polluted: 'no', toString: 'x', hasOwnProperty: 1, valueOf: true, then: 'y' };
  const start = await probe(
    'sessionStart with params/qoeData/customMetadata named polluted, toString, ...',
    '/api/v1/sessions',
    aSessionStart({
      params: oddNames,
      body: {
        qoeData: { polluted: 'no', toString: 'x' },
        customMetadata: { polluted: 'no', toString: 'x', constructorX: 'y' },
      },
    }),
    201,
  );
  await probe('a plain sessionStart', '/api/v1/sessions', aSessionStart(), 201);
  await probe(
    'a play event with a param named polluted',
    `/api/v1/sessions/${sid}/events`,
    anEvent('play', { params: { polluted: 'no' }, playerTime: { ts: Date.now(), playhead: 1 } }),
    204,
  );
  await probe(
    'an adStart with customMetadata named polluted',
    `/api/v1/sessions/${sid}/events`,
    anEvent('adStart', {
      playerTime: { ts: Date.now() + 1, playhead: 1 },
      body: { customMetadata: { polluted: 'no' } },
    }),
    204,
  );
  await probe(
    'an unknown top-level member named toString is still refused',
    '/api/v1/sessions',
    aSessionStart({ body: { toString: 'x' } }),
    400,
  );
  const raw = (text: string) => ({
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(text),
  });
  const proto = await client.send({
    path: '/api/v1/sessions',
    ...raw(JSON.stringify(aSessionStart()).replace('{', '{"__proto__":{"polluted":"yes"},')),
  });
  results.push({
    name: '__proto__ at the top level',
    status: proto.status,
    ...(proto.status === 400 && !proto.text.includes('"polluted"')
      ? {}
      : {
          problem: `expected 400 without the payload, got ${proto.status} ${proto.text.slice(0, 200)}`,
        }),
  });

  // The reports and schema routes still answer, and the stored odd names read back as sent.
  const schema = await client.send({ method: 'GET', path: '/api/v1/schemas/play' });
  results.push({
    name: 'GET /api/v1/schemas/play',
    status: schema.status,
    ...(schema.status === 200 && !schema.text.includes('polluted')
      ? {}
      : { problem: `got ${schema.status} ${schema.text.slice(0, 200)}` }),
  });
  const startedSid = /[0-9a-f]{64}$/.exec(String(start.headers.location))?.[0];
  if (startedSid) {
    const report = await client.send({
      method: 'GET',
      path: `/api/v1/reports/sessions/${startedSid}`,
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    let problem: string | undefined;
    if (report.status !== 200) problem = `got ${report.status} ${report.text.slice(0, 200)}`;
    else {
      const media = (JSON.parse(report.text) as { media?: Record<string, unknown> }).media ?? {};
      if (
        Object.hasOwn(media, 'polluted') ||
        Object.keys(media).some((k) => !k.startsWith('media.'))
      ) {
        problem = `report media holds non-media members: ${JSON.stringify(media).slice(0, 200)}`;
      }
    }
    results.push({
      name: 'GET the report of that session',
      status: report.status,
      ...(problem ? { problem } : {}),
    });
  }
  const summary = await client.send({
    method: 'GET',
    path: '/api/v1/reports/summary?groupBy=media.id',
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  results.push({
    name: 'GET /api/v1/reports/summary',
    status: summary.status,
    ...(summary.status === 200 && !summary.text.includes('polluted')
      ? {}
      : { problem: `got ${summary.status} ${summary.text.slice(0, 200)}` }),
  });
  return results;
}
