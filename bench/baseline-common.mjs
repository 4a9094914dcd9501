// What the two hand-written baselines (bench/baseline-a.mjs, bench/baseline-b.mjs) share: the
// schema, the HTTP plumbing (only node:http) and the minimal request checks. Each baseline only
// supplies how a session start and a ping are written.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';
import { InitialSchema1764210000000 } from '../dist/migrations/1764210000000-initial-schema.js';

/**
 * Creates the sessions and events tables with their indexes by running the initial-schema
 * migration the service runs first (its `up` is plain SQL, nothing of TypeORM at run time), so the
 * baselines always write to the same tables and indexes as the service. The columns and tables
 * later migrations add are not needed by the baselines.
 */
async function createSchema(pool) {
  await new InitialSchema1764210000000().up({ query: (sql) => pool.query(sql) });
}

/** The service's default lifecycle limits and event cap, on the database's clock. */
export const LIVE = `s.closed_at IS NULL
  AND s.last_event_at > now() - interval '600 seconds'
  AND s.playhead_moved_at > now() - interval '1800 seconds'
  AND s.created_at > now() - interval '86400 seconds'
  AND s.event_count < 100000`;

const BODY_LIMIT = 65_536;
const EVENTS_PATH = /^\/api\/v1\/sessions\/([0-9a-f]{64})\/events$/;

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const json = (value) => (value === undefined ? null : JSON.stringify(value));

/** Minimal checks of an event body; returns the event as the tables store it, or undefined. */
function toEvent(body) {
  if (!isObject(body) || typeof body.eventType !== 'string' || !isObject(body.playerTime))
    return undefined;
  const { ts, playhead } = body.playerTime;
  if (!Number.isSafeInteger(ts) || typeof playhead !== 'number' || !Number.isFinite(playhead))
    return undefined;
  for (const key of ['params', 'qoeData', 'customMetadata'])
    if (body[key] !== undefined && !isObject(body[key])) return undefined;
  return {
    eventType: body.eventType,
    ts,
    playhead,
    params: json(body.params),
    qoeData: json(body.qoeData),
    customMetadata: json(body.customMetadata),
  };
}

/** Minimal checks of a sessionStart body; returns the new session, or undefined. */
function toSession(body) {
  const event = toEvent(body);
  if (!event || event.eventType !== 'sessionStart' || !isObject(body.params)) return undefined;
  const p = body.params;
  if (
    typeof p['analytics.reportSuite'] !== 'string' ||
    typeof p['media.id'] !== 'string' ||
    typeof p['media.contentType'] !== 'string' ||
    typeof p['media.length'] !== 'number'
  )
    return undefined;
  return {
    id: randomBytes(32),
    reportSuite: p['analytics.reportSuite'],
    mediaId: p['media.id'],
    contentType: p['media.contentType'],
    mediaLength: p['media.length'],
    event,
  };
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > BODY_LIMIT ? undefined : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function answer(res, status, headers = {}) {
  res.writeHead(status, { 'content-length': '0', ...headers });
  res.end();
}

/**
 * Starts a baseline: creates the schema, then serves POST /api/v1/sessions (201 + Location once
 * `createSession(session)` resolves) and POST /api/v1/sessions/:sid/events (204 once
 * `appendEvent(event)` resolves to true, 404 when it resolves to false), plus GET /health.
 * Writers get the pool through `makeWriters(pool)`.
 */
export async function startBaseline(name, makeWriters) {
  const pool = new pg.Pool({
    connectionString: process.env.DATABASE_URL,
    max: Number(process.env.DATABASE_POOL_SIZE ?? 10),
  });
  await createSchema(pool);
  const { createSession, appendEvent } = makeWriters(pool);
  let failures = 0;

  const server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      // Log the first few failures only, so a broken run does not flood the output.
      if (failures++ < 5) process.stderr.write(`${name}: ${error.stack ?? error}\n`);
      if (!res.headersSent) answer(res, 500);
    });
  });

  async function handle(req, res) {
    if (req.method === 'GET' && req.url === '/health') return answer(res, 200);
    if (req.method !== 'POST') return answer(res, 404);
    const raw = await readBody(req);
    if (raw === undefined) return answer(res, 413);
    let body;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return answer(res, 400);
    }
    if (req.url === '/api/v1/sessions') {
      const session = toSession(body);
      if (!session) return answer(res, 400);
      await createSession(session);
      return answer(res, 201, { location: `/api/v1/sessions/${session.id.toString('hex')}` });
    }
    const match = EVENTS_PATH.exec(req.url ?? '');
    if (!match) return answer(res, 404);
    const event = toEvent(body);
    if (!event || event.eventType === 'sessionStart') return answer(res, 400);
    const stored = await appendEvent({ sessionId: Buffer.from(match[1], 'hex'), ...event });
    return answer(res, stored ? 204 : 404);
  }

  const port = Number(process.env.PORT ?? 3000);
  await new Promise((resolve) => server.listen(port, process.env.HOST ?? '127.0.0.1', resolve));
  const stop = () => {
    server.close();
    pool.end().finally(() => process.exit(0));
    setTimeout(() => process.exit(0), 2_000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
