import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig as sut } from '../../src/config/app-config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    sut(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error(`no ConfigError for ${JSON.stringify(env)}`);
}

describe('loadConfig (C8)', () => {
  it('C8: the defaults are what a player expects', () => {
    const config = sut({});
    expect(config).toMatchObject({
      port: 3000,
      sessionIdleTimeoutSeconds: 600,
      sessionStallTimeoutSeconds: 1800,
      sessionMaxDurationSeconds: 86_400,
      sessionMaxEvents: 100_000,
      sessionCompleteGraceSeconds: 60,
      metricsMaxIntervalSeconds: 600,
      rateLimitPerSecond: 200,
      trustProxy: false,
      bodyLimitBytes: 64 * 1024,
      downloadedBodyLimitBytes: 4 * 1024 * 1024,
    });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.reportsApiToken).toBeUndefined();
  });

  it('C8: loadConfig reads nothing it is not given (an empty environment gives the defaults)', () => {
    expect(sut({ UNRELATED: 'x' })).toEqual(sut({}));
  });

  it('C8: SESSION_COMPLETE_GRACE_SECONDS and METRICS_MAX_INTERVAL_SECONDS are read and validated', () => {
    expect(
      sut({ SESSION_COMPLETE_GRACE_SECONDS: '5', METRICS_MAX_INTERVAL_SECONDS: '30' }),
    ).toMatchObject({ sessionCompleteGraceSeconds: 5, metricsMaxIntervalSeconds: 30 });
    expect(() =>
      sut({ SESSION_COMPLETE_GRACE_SECONDS: '0', METRICS_MAX_INTERVAL_SECONDS: 'x' }),
    ).toThrow(/SESSION_COMPLETE_GRACE_SECONDS.*METRICS_MAX_INTERVAL_SECONDS/);
  });

  it('C8: an empty variable counts as unset', () => {
    expect(sut({ PORT: '', TRUST_PROXY: '', DATABASE_URL: '' })).toMatchObject({
      port: 3000,
      trustProxy: false,
      databaseUrl: undefined,
    });
  });

  it.each([
    ['PORT', '8080', 'port', 8080],
    ['PORT', '0', 'port', 0],
    ['SESSION_IDLE_TIMEOUT_SECONDS', '2', 'sessionIdleTimeoutSeconds', 2],
    ['SESSION_STALL_TIMEOUT_SECONDS', '3', 'sessionStallTimeoutSeconds', 3],
    ['SESSION_MAX_DURATION_SECONDS', '4', 'sessionMaxDurationSeconds', 4],
    ['SESSION_MAX_EVENTS', '5', 'sessionMaxEvents', 5],
    ['RATE_LIMIT_PER_SECOND', '50', 'rateLimitPerSecond', 50],
    ['RATE_LIMIT_PER_SECOND', '0', 'rateLimitPerSecond', 0],
    // true trusts the one proxy in front: the entry it appended, not whatever the client wrote.
    ['TRUST_PROXY', 'true', 'trustProxy', 1],
    ['TRUST_PROXY', 'TRUE', 'trustProxy', 1],
    ['TRUST_PROXY', '1', 'trustProxy', 1],
    ['TRUST_PROXY', 'yes', 'trustProxy', 1],
    ['TRUST_PROXY', '2', 'trustProxy', 2],
    ['TRUST_PROXY', '10.0.0.1, 10.1.0.0/16,::1', 'trustProxy', ['10.0.0.1', '10.1.0.0/16', '::1']],
    ['TRUST_PROXY', 'false', 'trustProxy', false],
    ['TRUST_PROXY', '0', 'trustProxy', false],
    ['TRUST_PROXY', 'no', 'trustProxy', false],
    ['DATABASE_URL', 'postgres://u:p@db:5432/media', 'databaseUrl', 'postgres://u:p@db:5432/media'],
    ['DATABASE_URL', 'postgresql://db/media', 'databaseUrl', 'postgresql://db/media'],
    ['REPORTS_API_TOKEN', 'a-long-enough-token-123', 'reportsApiToken', 'a-long-enough-token-123'],
    ['BODY_LIMIT_BYTES', '2048', 'bodyLimitBytes', 2048],
    ['DOWNLOADED_BODY_LIMIT_BYTES', '8388608', 'downloadedBodyLimitBytes', 8_388_608],
  ])('C8: %s=%s is read as %s %j', (name, raw, member, expected) => {
    expect(sut({ [name]: raw })).toMatchObject({ [member]: expected });
  });

  it.each([
    ['PORT', 'eighty'],
    ['PORT', '70000'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['SESSION_IDLE_TIMEOUT_SECONDS', '0'],
    ['SESSION_IDLE_TIMEOUT_SECONDS', '-5'],
    ['SESSION_STALL_TIMEOUT_SECONDS', 'ten'],
    ['SESSION_MAX_DURATION_SECONDS', '1e3'],
    ['SESSION_MAX_EVENTS', '0'],
    ['RATE_LIMIT_PER_SECOND', '1.5'],
    ['RATE_LIMIT_PER_SECOND', '-1'],
    ['TRUST_PROXY', 'maybe'],
    ['TRUST_PROXY', '10.0.0.1,proxy.local'],
    ['TRUST_PROXY', '101'],
    ['DATABASE_URL', 'mysql://db/media'],
    ['DATABASE_URL', 'not a url'],
    ['REPORTS_API_TOKEN', 'short'],
    ['REPORTS_API_TOKEN', 'has a space in it somewhere'],
    ['BODY_LIMIT_BYTES', 'big'],
  ])('C8: %s=%j is refused with a message naming it', (name, raw) => {
    const error = configError({ [name]: raw });
    expect(error.problems).toHaveLength(1);
    expect(error.message).toContain(name);
  });

  it('C8: several bad variables give ONE ConfigError naming every one of them', () => {
    const bad = {
      PORT: 'eighty',
      DATABASE_URL: 'mysql://nope',
      SESSION_IDLE_TIMEOUT_SECONDS: '-5',
      SESSION_STALL_TIMEOUT_SECONDS: 'x',
      SESSION_MAX_DURATION_SECONDS: '0',
      SESSION_MAX_EVENTS: '1.5',
      RATE_LIMIT_PER_SECOND: 'lots',
      TRUST_PROXY: 'maybe',
      REPORTS_API_TOKEN: 'short',
    };
    const error = configError({ ...bad, LOG_LEVEL: 'warn' });
    expect(error).toBeInstanceOf(Error);
    expect(error.problems).toHaveLength(Object.keys(bad).length);
    expect(error.message.split('\n')).toHaveLength(1);
    for (const name of Object.keys(bad)) expect(error.message).toContain(name);
    expect(error.message).not.toContain('LOG_LEVEL');
  });
});

describe('loadConfig: limits, timeouts, shutdown and logs (C6, C8)', () => {
  it('C8: the defaults of deadlines, session-start buckets, session bytes, metrics and reports', () => {
    const config = sut({});
    expect(config).toMatchObject({
      requestDeadlineMs: 10_000,
      writeQueueLimit: 10_000,
      sessionStartsPerSecond: 20,
      sessionStartsBurst: 200,
      sessionMaxBytes: 16_777_216,
      metricsRefreshIntervalMs: 10_000,
      reportsPoolSize: 3,
      reportsQueryTimeoutMs: 10_000,
      reportMaxAttempts: 3,
      eventsRetentionDays: 30,
      reportsRetentionDays: 400,
      storageIntervalMs: 3_600_000,
    });
    expect(config.metricsPort).toBeUndefined();
  });

  it('EVENTS_RETENTION_DAYS and REPORTS_RETENTION_DAYS: reports are kept at least as long as raw events', () => {
    expect(
      sut({
        EVENTS_RETENTION_DAYS: '7',
        REPORTS_RETENTION_DAYS: '90',
        STORAGE_INTERVAL_MS: '60000',
      }),
    ).toMatchObject({
      eventsRetentionDays: 7,
      reportsRetentionDays: 90,
      storageIntervalMs: 60_000,
    });
    expect(() => sut({ EVENTS_RETENTION_DAYS: '60', REPORTS_RETENTION_DAYS: '30' })).toThrow(
      'REPORTS_RETENTION_DAYS must not be less than EVENTS_RETENTION_DAYS',
    );
    expect(() => sut({ EVENTS_RETENTION_DAYS: '0' })).toThrow('EVENTS_RETENTION_DAYS');
  });

  it('C8: REQUEST_DEADLINE_MS, SESSION_STARTS_*, SESSION_MAX_BYTES, METRICS_PORT, REPORTS_* are read and validated', () => {
    expect(
      sut({
        REQUEST_DEADLINE_MS: '500',
        SESSION_STARTS_PER_SECOND: '0',
        SESSION_STARTS_BURST: '5',
        SESSION_MAX_BYTES: '4096',
        METRICS_PORT: '9464',
        REPORTS_POOL_SIZE: '2',
        REPORTS_QUERY_TIMEOUT_MS: '250',
      }),
    ).toMatchObject({
      requestDeadlineMs: 500,
      sessionStartsPerSecond: 0,
      sessionStartsBurst: 5,
      sessionMaxBytes: 4096,
      metricsPort: 9464,
      reportsPoolSize: 2,
      reportsQueryTimeoutMs: 250,
    });
    const error = configError({
      REQUEST_DEADLINE_MS: '10',
      SESSION_MAX_BYTES: 'lots',
      METRICS_PORT: '70000',
      REPORTS_POOL_SIZE: '0',
    });
    for (const name of [
      'REQUEST_DEADLINE_MS',
      'SESSION_MAX_BYTES',
      'METRICS_PORT',
      'REPORTS_POOL_SIZE',
    ])
      expect(error.message).toContain(name);
  });

  it('C8: the defaults of the rate limit, HTTP timeouts, shutdown grace and log level', () => {
    expect(sut({})).toMatchObject({
      rateLimitPerSecond: 200,
      rateLimitBurst: 400,
      trustProxy: false,
      httpHeadersTimeoutMs: 10_000,
      httpRequestTimeoutMs: 30_000,
      httpKeepAliveTimeoutMs: 72_000,
      shutdownGraceMs: 3_000,
      logLevel: 'log',
    });
  });

  it.each([
    ['RATE_LIMIT_BURST', '1', 'rateLimitBurst', 1],
    ['RATE_LIMIT_BURST', '10', 'rateLimitBurst', 10],
    ['RATE_LIMIT_PER_SECOND', '1000000', 'rateLimitPerSecond', 1_000_000],
    ['HTTP_HEADERS_TIMEOUT_MS', '100', 'httpHeadersTimeoutMs', 100],
    ['HTTP_HEADERS_TIMEOUT_MS', '30000', 'httpHeadersTimeoutMs', 30_000],
    ['HTTP_REQUEST_TIMEOUT_MS', '60000', 'httpRequestTimeoutMs', 60_000],
    ['HTTP_REQUEST_TIMEOUT_MS', '3600000', 'httpRequestTimeoutMs', 3_600_000],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', '100', 'httpKeepAliveTimeoutMs', 100],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', '5000', 'httpKeepAliveTimeoutMs', 5_000],
    ['SHUTDOWN_GRACE_MS', '0', 'shutdownGraceMs', 0],
    ['SHUTDOWN_GRACE_MS', '60000', 'shutdownGraceMs', 60_000],
    ['LOG_LEVEL', 'debug', 'logLevel', 'debug'],
    ['LOG_LEVEL', 'verbose', 'logLevel', 'verbose'],
    ['LOG_LEVEL', 'fatal', 'logLevel', 'fatal'],
  ])('C8: %s=%s is read as %s %j', (name, raw, member, expected) => {
    expect(sut({ [name]: raw })).toMatchObject({ [member]: expected });
  });

  it.each([
    ['RATE_LIMIT_BURST', '0'],
    ['RATE_LIMIT_BURST', '-1'],
    ['RATE_LIMIT_BURST', '2.5'],
    ['RATE_LIMIT_BURST', 'many'],
    ['HTTP_HEADERS_TIMEOUT_MS', '99'],
    ['HTTP_HEADERS_TIMEOUT_MS', '600001'],
    ['HTTP_HEADERS_TIMEOUT_MS', '10s'],
    ['HTTP_REQUEST_TIMEOUT_MS', '0'],
    ['HTTP_REQUEST_TIMEOUT_MS', '3600001'],
    ['HTTP_REQUEST_TIMEOUT_MS', '1e4'],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', '99'],
    ['HTTP_KEEP_ALIVE_TIMEOUT_MS', 'forever'],
    ['SHUTDOWN_GRACE_MS', '-1'],
    ['SHUTDOWN_GRACE_MS', '60001'],
    ['SHUTDOWN_GRACE_MS', '3000.5'],
    ['LOG_LEVEL', 'info'],
    ['LOG_LEVEL', 'DEBUG'],
    ['LOG_LEVEL', 'trace'],
  ])('C8: %s=%j is refused with one message naming it and the value', (name, raw) => {
    const error = configError({ [name]: raw });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain(name);
    expect(error.problems[0]).toContain(JSON.stringify(raw));
  });

  it('C8: a headers timeout longer than the request timeout is refused, naming both', () => {
    const error = configError({
      HTTP_HEADERS_TIMEOUT_MS: '20000',
      HTTP_REQUEST_TIMEOUT_MS: '10000',
    });
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toContain('HTTP_HEADERS_TIMEOUT_MS');
    expect(error.problems[0]).toContain('HTTP_REQUEST_TIMEOUT_MS');
  });

  it('C8: a headers timeout above the default request timeout (30 s) is refused', () => {
    const error = configError({ HTTP_HEADERS_TIMEOUT_MS: '30001' });
    expect(error.problems).toEqual([
      expect.stringMatching(/HTTP_HEADERS_TIMEOUT_MS.*HTTP_REQUEST_TIMEOUT_MS/),
    ]);
  });

  it('C8: a request timeout below the default headers timeout (10 s) is refused', () => {
    expect(configError({ HTTP_REQUEST_TIMEOUT_MS: '9999' }).problems).toHaveLength(1);
  });

  it('C8: equal headers and request timeouts are accepted', () => {
    expect(sut({ HTTP_HEADERS_TIMEOUT_MS: '5000', HTTP_REQUEST_TIMEOUT_MS: '5000' })).toMatchObject(
      { httpHeadersTimeoutMs: 5_000, httpRequestTimeoutMs: 5_000 },
    );
  });

  it('C8: the timeout problem is reported together with every other bad variable, in one error', () => {
    const error = configError({
      HTTP_HEADERS_TIMEOUT_MS: '20000',
      HTTP_REQUEST_TIMEOUT_MS: '10000',
      RATE_LIMIT_BURST: '0',
      SHUTDOWN_GRACE_MS: 'soon',
      HTTP_KEEP_ALIVE_TIMEOUT_MS: '1',
    });
    expect(error.problems).toHaveLength(4);
    expect(error.message.split('\n')).toHaveLength(1);
    for (const name of [
      'HTTP_HEADERS_TIMEOUT_MS',
      'HTTP_REQUEST_TIMEOUT_MS',
      'RATE_LIMIT_BURST',
      'SHUTDOWN_GRACE_MS',
      'HTTP_KEEP_ALIVE_TIMEOUT_MS',
    ]) {
      expect(error.message).toContain(name);
    }
  });
});
