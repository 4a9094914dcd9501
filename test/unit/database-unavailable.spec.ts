import { createServer } from 'node:net';
import pg from 'pg';
import { QueryFailedError } from 'typeorm';
import { describe, expect, it } from 'vitest';
import {
  UNAVAILABLE_RETRY_AFTER_SECONDS,
  isDatabaseUnavailable as sut,
} from '../../src/common/http/database-unavailable.js';

/** An Error carrying a Node or SQLSTATE `code`, as node-postgres raises them. */
function coded(code: string, message = `failure ${code}`): Error {
  return Object.assign(new Error(message), { code });
}

/** A PostgreSQL error as node-postgres builds it from the server's ErrorResponse. */
function serverError(code: string, message: string): pg.DatabaseError {
  const error = new pg.DatabaseError(message, message.length, 'error');
  error.code = code;
  error.severity = 'ERROR';
  return error;
}

/** TypeORM's wrapper around a driver error, as repositories throw it. */
function typeormWrapped(driverError: Error): QueryFailedError {
  return new QueryFailedError('INSERT INTO sessions VALUES ($1)', ['x'], driverError);
}

/** A port nothing listens on (bound, then released). */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('port')),
      );
    });
  });
}

/** The error a real pg client raises when it cannot connect. */
async function connectError(host: string): Promise<unknown> {
  const client = new pg.Client({ host, port: await closedPort(), connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
  } catch (error) {
    return error;
  } finally {
    await client.end().catch(() => undefined);
  }
  throw new Error(`connected to a closed port on ${host}`);
}

describe('isDatabaseUnavailable (C6: 503 with Retry-After while the database is unreachable)', () => {
  it('C6: the Retry-After of a 503 is a positive whole number of seconds', () => {
    expect(Number.isInteger(UNAVAILABLE_RETRY_AFTER_SECONDS)).toBe(true);
    expect(UNAVAILABLE_RETRY_AFTER_SECONDS).toBeGreaterThan(0);
  });

  describe('true: the database cannot be reached or cannot take work now', () => {
    it.each([
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'EPIPE',
      'EHOSTUNREACH',
      'ENETUNREACH',
      'ENOTFOUND',
      'EAI_AGAIN',
    ])('C6: a network failure %s', (code) => {
      expect(sut(coded(code))).toBe(true);
    });

    it.each([
      ['08000', 'connection_exception'],
      ['08001', 'sqlclient_unable_to_establish_sqlconnection'],
      ['08003', 'connection_does_not_exist'],
      ['08004', 'sqlserver_rejected_establishment_of_sqlconnection'],
      ['08006', 'connection_failure'],
      ['08P01', 'protocol_violation'],
      ['57P01', 'admin_shutdown'],
      ['57P02', 'crash_shutdown'],
      ['57P03', 'cannot_connect_now'],
      ['53000', 'insufficient_resources'],
      ['53100', 'disk_full'],
      ['53200', 'out_of_memory'],
      ['53300', 'too_many_connections'],
    ])('C6: SQLSTATE %s (%s) from the server', (code, name) => {
      expect(sut(serverError(code, name))).toBe(true);
    });

    it.each([
      'timeout exceeded when trying to connect',
      'Connection terminated unexpectedly',
      'Connection terminated due to connection timeout',
      'Client has encountered a connection error and is not queryable',
    ])('C6: the node-postgres message %j (no code)', (message) => {
      expect(sut(new Error(message))).toBe(true);
    });

    it('C6: a TypeORM QueryFailedError wrapping a lost connection', () => {
      expect(sut(typeormWrapped(serverError('57P01', 'terminating connection')))).toBe(true);
      expect(sut(typeormWrapped(new Error('Connection terminated unexpectedly')))).toBe(true);
      expect(sut({ driverError: coded('ECONNRESET') })).toBe(true);
    });

    it('C6: an AggregateError of failed connection attempts (several addresses)', () => {
      const error = new AggregateError(
        [coded('ECONNREFUSED', 'connect ECONNREFUSED ::1:5432'), coded('ECONNREFUSED')],
        'connect failed',
      );
      expect(sut(error)).toBe(true);
    });

    it('C6: an AggregateError where only one attempt failed for want of a network', () => {
      expect(sut(new AggregateError([new Error('odd'), coded('ENETUNREACH')]))).toBe(true);
    });

    it('C6: a wrapper three levels deep is still looked through', () => {
      const deep = { driverError: { driverError: { errors: [coded('ECONNREFUSED')] } } };
      expect(sut(deep)).toBe(true);
    });

    it('C6: what a real pg client raises connecting to 127.0.0.1 where nothing listens', async () => {
      const error = await connectError('127.0.0.1');
      expect(sut(error)).toBe(true);
    });

    it('C6: what a real pg client raises connecting to localhost where nothing listens', async () => {
      // localhost may resolve to ::1 and 127.0.0.1; Node may then report an AggregateError.
      const error = await connectError('localhost');
      expect(sut(error)).toBe(true);
    });
  });

  describe('false: a fault in a statement or in the service (a 500, or a 4xx elsewhere)', () => {
    it.each([
      ['23505', 'duplicate key value violates unique constraint'],
      ['23503', 'insert or update violates foreign key constraint'],
      ['22P02', 'invalid input syntax for type integer'],
      ['22021', 'invalid byte sequence for encoding "UTF8": 0x00'],
      ['42P01', 'relation "events" does not exist'],
      ['42703', 'column "x" does not exist'],
      ['42601', 'syntax error at or near "SELECT"'],
      ['XX000', 'internal error'],
    ])('C6: SQLSTATE %s (%s)', (code, message) => {
      expect(sut(serverError(code, message))).toBe(false);
      expect(sut(typeormWrapped(serverError(code, message)))).toBe(false);
    });

    it.each([
      ['a plain Error', new Error('something broke')],
      ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'x')")],
      [
        'an Error whose message merely mentions a connection',
        new Error('the Connection terminated'),
      ],
      ['an Error with an unknown code', coded('ENOENT')],
      ['a code that only starts like a connection class', coded('080000')],
      ['a code too short for a SQLSTATE', coded('08')],
      ['a code with a prefix', coded('XX08006')],
      ['a numeric code', { code: 8006 }],
      ['an AggregateError of statement faults', new AggregateError([coded('23505')])],
      ['an empty AggregateError', new AggregateError([])],
      ['a QueryFailedError over a plain Error', typeormWrapped(new Error('bad'))],
    ])('C6: %s', (_kind, error) => {
      expect(sut(error)).toBe(false);
    });

    it.each([
      ['undefined', undefined],
      ['null', null],
      ['the string ECONNREFUSED', 'ECONNREFUSED'],
      ['the string of a connection message', 'Connection terminated unexpectedly'],
      ['a number', 503],
      ['a boolean', true],
      ['an empty object', {}],
    ])('C6: %s is not an error that means unavailable', (_kind, value) => {
      expect(sut(value)).toBe(false);
    });

    it('C6: a self-referencing error is answered without looping', () => {
      const error: { driverError?: unknown; errors?: unknown[] } = {};
      error.driverError = error;
      error.errors = [error, error];
      expect(sut(error)).toBe(false);
    });
  });
});
