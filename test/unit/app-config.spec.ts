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
    ['TRUST_PROXY', 'true', 'trustProxy', true],
    ['TRUST_PROXY', 'TRUE', 'trustProxy', true],
    ['TRUST_PROXY', '1', 'trustProxy', true],
    ['TRUST_PROXY', 'yes', 'trustProxy', true],
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
