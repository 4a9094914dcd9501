// A quick load run against a running service: `node bench/quick-load.mjs http://127.0.0.1:3000 [pings|starts] [seconds] [connections]`.
// Pings go round-robin over a few hundred sessions, each with a fresh playerTime.ts (a retry would be deduplicated).
import autocannon from 'autocannon';
import { readFile } from 'node:fs/promises';

const [base = 'http://127.0.0.1:3000', kind = 'pings', seconds = '10', connections = '64'] =
  process.argv.slice(2);
const seed = JSON.parse(
  await readFile(new URL('./seed-session-start.json', import.meta.url), 'utf8'),
);
const headers = { 'content-type': 'application/json' };

async function startSessions(count) {
  const ids = [];
  for (let i = 0; i < count; i += 1) {
    const res = await fetch(`${base}/api/v1/sessions`, {
      method: 'POST',
      headers,
      body: JSON.stringify(seed),
    });
    if (res.status !== 201) throw new Error(`sessionStart answered ${res.status}`);
    ids.push(res.headers.get('location'));
  }
  return ids;
}

let ts = Date.now();
const locations = kind === 'pings' ? await startSessions(300) : [];
let next = 0;
const request =
  kind === 'pings'
    ? {
        method: 'POST',
        setupRequest: (req) => {
          ts += 1;
          const location = locations[next++ % locations.length];
          return {
            ...req,
            path: `${location}/events`,
            headers,
            body: JSON.stringify({
              playerTime: { playhead: (ts % 100000) / 1000, ts },
              eventType: 'ping',
            }),
          };
        },
      }
    : { method: 'POST', path: '/api/v1/sessions', headers, body: JSON.stringify(seed) };

const result = await autocannon({
  url: base,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [request],
});
const non2xx = result.non2xx;
console.log(
  JSON.stringify({
    kind,
    connections: Number(connections),
    seconds: Number(seconds),
    requests: result.requests.total,
    reqPerSec: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors,
    non2xx,
  }),
);
