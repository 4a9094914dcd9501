import { isIP } from 'node:net';

/**
 * Typed configuration (contract C8), read from the environment once at start.
 * Nothing outside this folder reads process.env.
 */
export class AppConfig {
  readonly port!: number;
  readonly host!: string;
  /** Unset: the service runs an embedded PostgreSQL under `dataDir`. */
  readonly databaseUrl!: string | undefined;
  readonly databasePoolSize!: number;
  readonly dataDir!: string;
  readonly sessionIdleTimeoutSeconds!: number;
  readonly sessionStallTimeoutSeconds!: number;
  readonly sessionMaxDurationSeconds!: number;
  readonly sessionMaxEvents!: number;
  /** After a sessionComplete, a session with no event for this long closes as `complete`. */
  readonly sessionCompleteGraceSeconds!: number;
  /** The longest one interval between two events may count in the metrics (a longer gap is a clock jump). */
  readonly metricsMaxIntervalSeconds!: number;
  /** How often expired sessions are marked closed; the request path never waits for it. */
  readonly sessionSweepIntervalMs!: number;
  /** How often closed sessions are looked for to compute and store their reports. */
  readonly reportsIntervalMs!: number;
  /** Requests per second each client address may make on average; 0 turns the limit off. */
  readonly rateLimitPerSecond!: number;
  /** Requests a client address may make at once above the average (the token bucket's size). */
  readonly rateLimitBurst!: number;
  /**
   * Which proxies' X-Forwarded-For is believed: none (false), the nearest n hops (true is one), or
   * proxies at these addresses or CIDR ranges. A client can write anything into the header; only
   * the entries trusted proxies appended say who it is.
   */
  readonly trustProxy!: TrustProxy;
  /** A client must send its request headers within this time, and the whole request within the next. */
  readonly httpHeadersTimeoutMs!: number;
  readonly httpRequestTimeoutMs!: number;
  /** An idle keep-alive connection is closed after this time. */
  readonly httpKeepAliveTimeoutMs!: number;
  /** On SIGTERM, how long open connections get to finish before idle ones are closed. */
  readonly shutdownGraceMs!: number;
  /** Unset: a random token is made at start and logged once. */
  readonly reportsApiToken!: string | undefined;
  readonly bodyLimitBytes!: number;
  readonly downloadedBodyLimitBytes!: number;
  readonly logLevel!: LogLevel;
  /** A request waiting on the database longer than this is answered 503 with Retry-After. */
  readonly requestDeadlineMs!: number;
  /** Events and session starts waiting to be written; a request finding the queue full gets a 503 at once. */
  readonly writeQueueLimit!: number;
  /** Session starts per second each client address may make on average; 0 turns the limit off. */
  readonly sessionStartsPerSecond!: number;
  readonly sessionStartsBurst!: number;
  /** Bytes of stored event bodies one session may hold. */
  readonly sessionMaxBytes!: number;
  /** Unset: `/metrics` is served on `port`; set, only on this port. */
  readonly metricsPort!: number | undefined;
  /** How often the database-derived gauges of `/metrics` are refreshed; a scrape runs no query. */
  readonly metricsRefreshIntervalMs!: number;
  /** Connections the reporting API and the report worker may use, apart from ingestion's pool. */
  readonly reportsPoolSize!: number;
  /** The longest one reporting query may run. */
  readonly reportsQueryTimeoutMs!: number;
  /** Attempts at a closed session's report before it is stored as not computable. */
  readonly reportMaxAttempts!: number;
  /** Raw events are removed this many days after their session's day (once its report is stored). */
  readonly eventsRetentionDays!: number;
  /** Sessions and their reports are removed this many days after the session's day. */
  readonly reportsRetentionDays!: number;
  /** How often partitions ahead are made and expired data removed. */
  readonly storageIntervalMs!: number;
  readonly sessionStatements!: SessionStatements;
  /** The Media Edge API's prefix (`/ee/…`, contract C10), without slashes. */
  readonly edgeBasePath!: string;
  /** The orgId the pages give Adobe's Web SDK; set, the Edge answers carry an identity cookie. */
  readonly edgeOrgId!: string | undefined;
}

export type TrustProxy = false | number | readonly string[];

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * How writes address sessions: `batched`, one statement for the sessions of many requests (one
 * PostgreSQL server); `per-session`, one statement per session key, which a table distributed by
 * the key runs on one shard (Citus); `auto`, per-session when the sessions table is distributed.
 */
export const SESSION_STATEMENTS = ['auto', 'batched', 'per-session'] as const;
export type SessionStatements = (typeof SESSION_STATEMENTS)[number];

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/** Reads one variable; returns the parsed value or a problem sentence. */
type Reader<T> = (raw: string) => T | { problem: string };

const problem = (text: string) => ({ problem: text });

function integer(min: number, max = Number.MAX_SAFE_INTEGER): Reader<number> {
  return (raw) => {
    const value = Number(raw);
    if (!/^-?\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
      return problem(`must be an integer from ${min} to ${max}`);
    }
    return value;
  };
}

const boolean: Reader<boolean> = (raw) => {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(value)) return true;
  if (['false', '0', 'no'].includes(value)) return false;
  return problem('must be true or false');
};

const PROXY_ADDRESS = /^([0-9.]+|[0-9a-fA-F:.]+)(\/\d{1,3})?$/;

const trustProxy: Reader<TrustProxy> = (raw) => {
  const flag = boolean(raw);
  if (typeof flag === 'boolean') return flag ? 1 : false;
  if (/^\d+$/.test(raw.trim())) return integer(1, 100)(raw);
  const addresses = raw.split(',').map((part) => part.trim());
  return addresses.every(
    (address) => PROXY_ADDRESS.test(address) && isIP(address.split('/')[0]) !== 0,
  )
    ? addresses
    : problem(
        'must be true, false, a hop count, or proxy addresses/CIDR ranges separated by commas',
      );
};

const postgresUrl: Reader<string> = (raw) => {
  try {
    const url = new URL(raw);
    if (url.protocol === 'postgres:' || url.protocol === 'postgresql:') return raw;
  } catch {
    // fall through to the problem below
  }
  return problem('must be a postgres:// or postgresql:// URL');
};

const token: Reader<string> = (raw) =>
  raw.length >= 16 && !/\s/.test(raw)
    ? raw
    : problem('must be at least 16 characters without spaces');

const nonEmpty: Reader<string> = (raw) => (raw.trim() ? raw : problem('must not be empty'));

const oneOf =
  <T extends string>(values: readonly T[]): Reader<T> =>
  (raw) =>
    (values as readonly string[]).includes(raw)
      ? (raw as T)
      : problem(`must be one of ${values.join(', ')}`);
const logLevel = oneOf(LOG_LEVELS);

/** A URL prefix of path segments (alloy's `edgeBasePath`, which may hold a `/`), without slashes at its ends. */
const basePath: Reader<string> = (raw) => {
  if (!/^[A-Za-z0-9._~-]+(\/[A-Za-z0-9._~-]+)*$/.test(raw) || /(^|\/)\.\.?(\/|$)/.test(raw)) {
    return problem('must be path segments of letters, digits and ._~- separated by /, e.g. ee');
  }
  // The Edge answers' CORS and error format would reach the service's other routes.
  return OWN_PREFIXES.has(raw.split('/')[0])
    ? problem(
        `must not begin with a prefix of the service's own routes (${[...OWN_PREFIXES].join(', ')})`,
      )
    : raw;
};
const OWN_PREFIXES = new Set([
  'api',
  'health',
  'metrics',
  'docs',
  'docs-json',
  'docs-yaml',
  'dashboard',
]);

/** An Adobe organization id, as alloy's `orgId` takes it (`…@AdobeOrg`). */
const orgId: Reader<string> = (raw) =>
  /^[A-Za-z0-9@._-]{1,128}$/.test(raw) ? raw : problem('must be an orgId such as ABC123@AdobeOrg');

const SECRETS = new Set(['DATABASE_URL', 'REPORTS_API_TOKEN']);

/** Validates every variable and reports all problems at once, so one restart fixes them all. */
export function loadConfig(env: Env = process.env): AppConfig {
  const problems: string[] = [];

  function read<T>(name: string, reader: Reader<T>, fallback: T): T;
  function read<T>(name: string, reader: Reader<T>): T | undefined;
  function read<T>(name: string, reader: Reader<T>, fallback?: T): T | undefined {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const result = reader(raw);
    if (typeof result === 'object' && result !== null && 'problem' in result) {
      // Values that may hold credentials are never echoed into logs.
      const shown = SECRETS.has(name) ? '' : ` (got ${JSON.stringify(raw.slice(0, 64))})`;
      problems.push(`${name} ${result.problem}${shown}`);
      return fallback;
    }
    return result;
  }

  const config: AppConfig = {
    port: read('PORT', integer(0, 65535), 3000),
    host: read('HOST', nonEmpty, '0.0.0.0'),
    databaseUrl: read('DATABASE_URL', postgresUrl),
    databasePoolSize: read('DATABASE_POOL_SIZE', integer(1, 1000), 10),
    dataDir: read('DATA_DIR', nonEmpty, '.data'),
    sessionIdleTimeoutSeconds: read('SESSION_IDLE_TIMEOUT_SECONDS', integer(1), 600),
    sessionStallTimeoutSeconds: read('SESSION_STALL_TIMEOUT_SECONDS', integer(1), 1800),
    sessionMaxDurationSeconds: read('SESSION_MAX_DURATION_SECONDS', integer(1), 86400),
    sessionMaxEvents: read('SESSION_MAX_EVENTS', integer(1), 100_000),
    sessionCompleteGraceSeconds: read('SESSION_COMPLETE_GRACE_SECONDS', integer(1), 60),
    metricsMaxIntervalSeconds: read('METRICS_MAX_INTERVAL_SECONDS', integer(1), 600),
    sessionSweepIntervalMs: read('SESSION_SWEEP_INTERVAL_MS', integer(50, 3_600_000), 5_000),
    reportsIntervalMs: read('REPORTS_INTERVAL_MS', integer(50, 3_600_000), 1_000),
    rateLimitPerSecond: read('RATE_LIMIT_PER_SECOND', integer(0), 200),
    rateLimitBurst: read('RATE_LIMIT_BURST', integer(1), 400),
    trustProxy: read('TRUST_PROXY', trustProxy, false),
    httpHeadersTimeoutMs: read('HTTP_HEADERS_TIMEOUT_MS', integer(100, 600_000), 10_000),
    httpRequestTimeoutMs: read('HTTP_REQUEST_TIMEOUT_MS', integer(100, 3_600_000), 30_000),
    httpKeepAliveTimeoutMs: read('HTTP_KEEP_ALIVE_TIMEOUT_MS', integer(100, 3_600_000), 72_000),
    shutdownGraceMs: read('SHUTDOWN_GRACE_MS', integer(0, 60_000), 3_000),
    reportsApiToken: read('REPORTS_API_TOKEN', token),
    bodyLimitBytes: read('BODY_LIMIT_BYTES', integer(1024, 1 << 30), 64 * 1024),
    downloadedBodyLimitBytes: read('DOWNLOADED_BODY_LIMIT_BYTES', integer(1024, 1 << 30), 4 << 20),
    logLevel: read('LOG_LEVEL', logLevel, 'log'),
    requestDeadlineMs: read('REQUEST_DEADLINE_MS', integer(100, 600_000), 10_000),
    writeQueueLimit: read('WRITE_QUEUE_LIMIT', integer(1, 10_000_000), 10_000),
    sessionStartsPerSecond: read('SESSION_STARTS_PER_SECOND', integer(0), 20),
    sessionStartsBurst: read('SESSION_STARTS_BURST', integer(1), 200),
    sessionMaxBytes: read('SESSION_MAX_BYTES', integer(1024), 16 << 20),
    metricsPort: read('METRICS_PORT', integer(0, 65535)),
    metricsRefreshIntervalMs: read('METRICS_REFRESH_INTERVAL_MS', integer(50, 3_600_000), 10_000),
    reportsPoolSize: read('REPORTS_POOL_SIZE', integer(1, 1000), 3),
    reportsQueryTimeoutMs: read('REPORTS_QUERY_TIMEOUT_MS', integer(100, 3_600_000), 10_000),
    reportMaxAttempts: read('REPORT_MAX_ATTEMPTS', integer(1, 100), 3),
    eventsRetentionDays: read('EVENTS_RETENTION_DAYS', integer(1, 36_500), 30),
    reportsRetentionDays: read('REPORTS_RETENTION_DAYS', integer(1, 36_500), 400),
    storageIntervalMs: read('STORAGE_INTERVAL_MS', integer(1_000, 86_400_000), 3_600_000),
    sessionStatements: read('SESSION_STATEMENTS', oneOf(SESSION_STATEMENTS), 'auto'),
    edgeBasePath: read('EDGE_BASE_PATH', basePath, 'ee'),
    edgeOrgId: read('EDGE_ORG_ID', orgId),
  };

  // Node refuses a headers timeout longer than the request timeout.
  if (config.httpHeadersTimeoutMs > config.httpRequestTimeoutMs) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  // A report outlives the raw events it was computed from, never the other way round.
  if (config.reportsRetentionDays < config.eventsRetentionDays) {
    problems.push('REPORTS_RETENTION_DAYS must not be less than EVENTS_RETENTION_DAYS');
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
