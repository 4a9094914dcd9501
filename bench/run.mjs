// Load comparison of the service with two hand-written baselines: `npm run bench` (builds first).
//
// Servers, each a child process on its own port and its own fresh database on one PostgreSQL
// (DATABASE_URL's server if set, else an embedded one in a temporary folder), pool size 10:
//   service       node dist/src/main.js (LOG_LEVEL=warn, RATE_LIMIT_PER_SECOND=0, SESSION_STARTS_PER_SECOND=0)
//   baseline (a)  bench/baseline-a.mjs: node:http + pg, one statement (one commit) per request
//   baseline (b)  bench/baseline-b.mjs: node:http + pg, hand-written group commit (2 ms / 500 rows)
// Each server, twice (service, a, b, service, a, b): 300 sessions, then pings round-robin over
// them (autocannon, 64 connections, 10 s, each ping a fresh ts), then session starts (the same);
// the service also takes the pings of 300 sessions over the Media Edge API (/ee/va/v1/ping).
// Prints a markdown table (also written to bench/results/latest.md) with the ratios.
// BENCH_SECONDS and BENCH_ROUNDS shorten a trial run; the defaults are the benchmark.
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SESSIONS = 300;
const CONNECTIONS = 64;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const POOL_SIZE = 10;
const RSS_POLL_MS = 200;
const TARGETS = {
  pingsVsA: 2.0,
  pingsVsB: 0.8,
  startsVsA: 1.5,
  edgeVsMca: 0.9,
  p99Ms: 50,
  rssMb: 200,
};

const SERVERS = [
  {
    name: 'service',
    database: 'mca_bench_service',
    script: 'dist/src/main.js',
    ready: '/health/ready',
  },
  {
    name: 'baseline (a)',
    database: 'mca_bench_a',
    script: 'bench/baseline-a.mjs',
    ready: '/health',
  },
  {
    name: 'baseline (b)',
    database: 'mca_bench_b',
    script: 'bench/baseline-b.mjs',
    ready: '/health',
  },
];

const seed = JSON.parse(
  await readFile(new URL('./seed-session-start.json', import.meta.url), 'utf8'),
);
// A fresh object every time: autocannon writes Content-Length into the headers it is given, and a
// shared object would then carry one body's length into the next request's headers.
const jsonHeaders = () => ({ 'content-type': 'application/json' });
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

// ---- Clean-up: everything started registers how to undo it; undone in reverse, even on failure.

const cleanups = [];
async function cleanup() {
  while (cleanups.length > 0) {
    const undo = cleanups.pop();
    try {
      await undo();
    } catch (error) {
      log(`clean-up step failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    log(`${signal} received, cleaning up`);
    cleanup().finally(() => process.exit(130));
  });
}

// ---- PostgreSQL

async function startPostgres() {
  if (process.env.DATABASE_URL)
    return { url: process.env.DATABASE_URL, kind: 'DATABASE_URL server' };
  const folder = await mkdtemp(join(os.tmpdir(), 'mca-bench-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  // The embedded PostgreSQL runs as the postgres user when this runs as root: it must get in.
  await chmod(folder, 0o755);
  const { startEmbeddedPostgres } = await import('../dist/src/database/embedded-postgres.js');
  const server = await startEmbeddedPostgres({
    dataDir: join(folder, 'postgres'),
    database: 'postgres',
    log: (line) => log(`postgres: ${line}`),
  });
  cleanups.push(() => server.stop());
  return { url: server.url, kind: 'embedded' };
}

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function freshDatabase(admin, database) {
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${database}"`);
}

// ---- Servers

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer(spec, databaseUrl) {
  const port = await freePort();
  const child = spawn(process.execPath, [spec.script], {
    cwd: ROOT,
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_SECOND: '0',
      SESSION_STARTS_PER_SECOND: '0',
      DATABASE_POOL_SIZE: String(POOL_SIZE),
      REPORTS_API_TOKEN: randomBytes(24).toString('hex'),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = [];
  const keep = (chunk) => {
    for (const line of chunk.toString().split('\n').filter(Boolean)) {
      output.push(line);
      if (output.length > 40) output.shift();
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal)),
  );
  let running = true;
  let stopping = false;
  void exited.then((code) => {
    running = false;
    if (!stopping) log(`${spec.name} (pid ${child.pid}, port ${port}) exited on its own (${code})`);
  });

  const stop = async () => {
    if (!running) return;
    stopping = true;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  cleanups.push(stop);

  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (!running) throw new Error(`${spec.name} exited during start:\n${output.join('\n')}`);
    const status = await fetch(`${base}${spec.ready}`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) break;
    if (Date.now() > deadline)
      throw new Error(`${spec.name} not ready after 90 s:\n${output.join('\n')}`);
    await sleep(100);
  }
  return { base, pid: child.pid, output, stop };
}

/** Peak resident memory of a process, sampled from /proc every RSS_POLL_MS. */
function watchRss(pid) {
  let peakKb = 0;
  const sample = () =>
    readFile(`/proc/${pid}/status`, 'utf8').then(
      (status) => {
        const kb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
        peakKb = Math.max(peakKb, kb);
      },
      () => undefined,
    );
  void sample();
  const timer = setInterval(sample, RSS_POLL_MS);
  return async () => {
    clearInterval(timer);
    await sample();
    return peakKb / 1024;
  };
}

// ---- Workloads

async function startSessions(base, count) {
  const locations = [];
  for (let i = 0; i < count; i += 1) {
    const res = await fetch(`${base}/api/v1/sessions`, {
      method: 'POST',
      headers: jsonHeaders(),
      body: JSON.stringify(seed),
    });
    await res.arrayBuffer();
    if (res.status !== 201) throw new Error(`sessionStart answered ${res.status}`);
    locations.push(res.headers.get('location'));
  }
  return locations;
}

let ts = Date.now();

/** Requests round-robin over `sessions` for SECONDS, each made by `request(session, ts)` with a fresh ts. */
function loop(base, sessions, request) {
  let next = 0;
  return autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          ts += 1;
          return { ...req, ...request(sessions[next++ % sessions.length], ts) };
        },
      },
    ],
  });
}

async function pings(base) {
  const locations = await startSessions(base, SESSIONS);
  return loop(base, locations, (location, ts) => ({
    path: `${location}/events`,
    headers: jsonHeaders(),
    body: JSON.stringify({ playerTime: { playhead: (ts % 100000) / 1000, ts }, eventType: 'ping' }),
  }));
}

function starts(base) {
  return autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: [
      {
        method: 'POST',
        path: '/api/v1/sessions',
        headers: jsonHeaders(),
        body: JSON.stringify(seed),
      },
    ],
  });
}

// The Media Edge API's pings, as Adobe's Web SDK sends them (text/plain, one XDM event each).
const CONFIG_ID = 'bench-datastream';
const edgeHeaders = () => ({ 'content-type': 'text/plain; charset=UTF-8' });
const edgeStart = {
  events: [
    {
      xdm: {
        eventType: 'media.sessionStart',
        timestamp: new Date().toISOString(),
        mediaCollection: {
          playhead: 0,
          sessionDetails: {
            name: seed.params['media.id'],
            length: Math.round(seed.params['media.length']),
            contentType: seed.params['media.contentType'],
            playerName: seed.params['media.playerName'],
            channel: seed.params['media.channel'],
          },
        },
      },
    },
  ],
};

async function edgePings(base) {
  const ids = [];
  for (let i = 0; i < SESSIONS; i += 1) {
    const res = await fetch(`${base}/ee/va/v1/sessionStart?configId=${CONFIG_ID}`, {
      method: 'POST',
      headers: edgeHeaders(),
      body: JSON.stringify(edgeStart),
    });
    const body = await res.json();
    if (res.status !== 200) throw new Error(`Edge sessionStart answered ${res.status}`);
    ids.push(body.handle[0].payload[0].sessionId);
  }
  return loop(base, ids, (sessionID, ts) => ({
    path: `/ee/va/v1/ping?configId=${CONFIG_ID}&requestId=${ts}`,
    headers: edgeHeaders(),
    body: JSON.stringify({
      events: [
        {
          xdm: {
            eventType: 'media.ping',
            timestamp: new Date(ts).toISOString(),
            mediaCollection: { playhead: Math.floor((ts % 100000) / 1000), sessionID },
          },
        },
      ],
    }),
  }));
}

// `only`: a workload the baselines do not speak.
const WORKLOADS = [
  { name: 'pings', run: pings },
  { name: 'starts', run: starts },
  { name: 'edge pings', run: edgePings, only: 'service' },
];

// ---- Report

const fixed = (value, digits = 0) => Number(value).toFixed(digits);

function report(rows, machine, postgres) {
  const best = (server, workload) =>
    Math.max(
      ...rows.filter((r) => r.server === server && r.workload === workload).map((r) => r.reqPerSec),
    );
  const ratio = (workload, baseline) => best('service', workload) / best(baseline, workload);
  const service = rows.filter((r) => r.server === 'service');
  const worstP99 = Math.max(...service.map((r) => r.p99));
  const peakRss = Math.max(...service.map((r) => r.rssMb));
  const failures = rows.reduce((n, r) => n + r.errors + r.non2xx, 0);
  const serviceFailures = service.reduce((n, r) => n + r.errors + r.non2xx, 0);
  const met = (ok) => (ok ? 'met' : 'NOT met');
  const checks = [
    ['pings service/baseline(a)', ratio('pings', 'baseline (a)'), TARGETS.pingsVsA],
    ['pings service/baseline(b)', ratio('pings', 'baseline (b)'), TARGETS.pingsVsB],
    ['starts service/baseline(a)', ratio('starts', 'baseline (a)'), TARGETS.startsVsA],
    [
      'edge pings / MCA pings (service)',
      best('service', 'edge pings') / best('service', 'pings'),
      TARGETS.edgeVsMca,
    ],
  ];
  const lines = [
    '# media-collection-api load benchmark',
    '',
    `${new Date().toISOString()}; ${SESSIONS} sessions, ${CONNECTIONS} connections, ${SECONDS} s per run, ` +
      `${ROUNDS} rounds, pool size ${POOL_SIZE} for every server.`,
    '',
    `- Machine: ${machine.cpus} CPUs (${machine.model}), ${fixed(machine.memGb, 1)} GiB memory, Node ${process.version}; ` +
      `1-min load average ${fixed(machine.loadBefore, 2)} before, ${fixed(os.loadavg()[0], 2)} after`,
    `- PostgreSQL: ${postgres.version} (${postgres.kind}; fsync=${postgres.fsync}, synchronous_commit=${postgres.syncCommit})`,
    '',
    '| server | workload | round | requests | req/s | p50 ms | p99 ms | errors | non-2xx | peak RSS MB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.server} | ${r.workload} | ${r.round} | ${r.requests} | ${fixed(r.reqPerSec)} | ` +
        `${r.p50} | ${r.p99} | ${r.errors} | ${r.non2xx} | ${fixed(r.rssMb)} |`,
    ),
    '',
    'Ratios (best round of each):',
    '',
    '| ratio | value | target | |',
    '| --- | ---: | --- | --- |',
    ...checks.map(
      ([name, value, min]) => `| ${name} | ${fixed(value, 2)} | >= ${min} | ${met(value >= min)} |`,
    ),
    `| service worst p99 (ms) | ${worstP99} | < ${TARGETS.p99Ms} | ${met(worstP99 < TARGETS.p99Ms)} |`,
    `| service peak RSS (MB) | ${fixed(peakRss)} | < ${TARGETS.rssMb} | ${met(peakRss < TARGETS.rssMb)} |`,
    `| service errors + non-2xx | ${serviceFailures} | 0 | ${met(serviceFailures === 0)} |`,
    `| all servers errors + non-2xx | ${failures} | 0 | ${met(failures === 0)} |`,
    '',
  ];
  return lines.join('\n');
}

// ---- Main

async function main() {
  const machine = {
    cpus: os.cpus().length,
    model: os.cpus()[0]?.model ?? 'unknown',
    memGb: os.totalmem() / 2 ** 30,
    loadBefore: os.loadavg()[0],
  };
  const { url, kind } = await startPostgres();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  cleanups.push(() => admin.end());
  const one = async (sql) => (await admin.query(sql)).rows[0];
  const postgres = {
    kind,
    version: (await one('SHOW server_version')).server_version,
    fsync: (await one('SHOW fsync')).fsync,
    syncCommit: (await one('SHOW synchronous_commit')).synchronous_commit,
  };
  const adminDatabase = new URL(url).pathname.slice(1);
  if (SERVERS.some((s) => s.database === adminDatabase))
    throw new Error(`DATABASE_URL must not name a database the benchmark recreates`);
  // The benchmark's databases are dropped again at the end (after the servers have stopped).
  cleanups.push(async () => {
    for (const s of SERVERS)
      await admin.query(`DROP DATABASE IF EXISTS "${s.database}" WITH (FORCE)`);
  });
  log(`PostgreSQL ${postgres.version} (${kind}); ${machine.cpus} CPUs, ${machine.model}`);

  const rows = [];
  for (let round = 1; round <= ROUNDS; round += 1) {
    for (const spec of SERVERS) {
      await freshDatabase(admin, spec.database);
      const server = await startServer(spec, withDatabase(url, spec.database));
      try {
        for (const workload of WORKLOADS.filter((w) => !w.only || w.only === spec.name)) {
          // Start every run from a clean checkpoint, so none pays for another's dirty pages.
          await admin.query('CHECKPOINT').catch(() => undefined);
          const stopWatching = watchRss(server.pid);
          const result = await workload.run(server.base).catch((error) => {
            const cause = error instanceof Error && error.cause ? ` (${String(error.cause)})` : '';
            throw new Error(
              `${spec.name} ${workload.name} failed: ${String(error)}${cause}; it said:\n` +
                server.output.join('\n'),
            );
          });
          const rssMb = await stopWatching();
          const row = {
            server: spec.name,
            workload: workload.name,
            round,
            requests: result.requests.total,
            reqPerSec: result.requests.average,
            p50: result.latency.p50,
            p99: result.latency.p99,
            errors: result.errors + result.timeouts,
            non2xx: result.non2xx,
            rssMb,
          };
          rows.push(row);
          log(
            `${spec.name} ${workload.name} round ${round}: ${fixed(row.reqPerSec)} req/s, ` +
              `p50 ${row.p50} ms, p99 ${row.p99} ms, errors ${row.errors}, non-2xx ${row.non2xx}, ` +
              `peak RSS ${fixed(rssMb)} MB`,
          );
          if (row.errors + row.non2xx > 0 && server.output.length > 0)
            log(`${spec.name} said:\n${server.output.join('\n')}`);
        }
      } finally {
        await server.stop();
      }
    }
  }

  const text = report(rows, machine, postgres);
  process.stdout.write(text);
  await mkdir(join(ROOT, 'bench', 'results'), { recursive: true });
  await writeFile(join(ROOT, 'bench', 'results', 'latest.md'), text);
  log('written to bench/results/latest.md');
}

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
} finally {
  await cleanup();
  // Keep-alive sockets and timers of the HTTP clients must not hold the process open.
  process.exit(process.exitCode ?? 0);
}
