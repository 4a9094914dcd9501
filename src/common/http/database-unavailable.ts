import { WriteRefused } from '../../database/write-refused.js';

/** Seconds a client is asked to wait when the database is away (contract C6: 503 + Retry-After). */
export const UNAVAILABLE_RETRY_AFTER_SECONDS = 5;

/** Network failures of the database connection, as Node names them. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that mean "not now" rather than "wrong": connection exceptions (class 08), the server
 * shutting down, crashing or starting (57P01-57P03), too many connections and out of resources (53),
 * and a statement stopped by its timeout (57014) or a lock not granted in time (55P03): the database
 * is too slow to answer within the deadline.
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[1-3]|53...|57014|55P03)$/;

/**
 * node-postgres reports a lost or never-made connection, and a query its client-side timeout gave
 * up on, with these messages and no code.
 */
const CONNECTION_MESSAGES =
  /^(timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Query read timeout)/;

/**
 * Whether an error means the database cannot be reached or cannot take work now, as opposed to a
 * fault in a statement. TypeORM wraps driver errors (`driverError`), and Node's connection
 * attempts to several addresses fail with an AggregateError; both are looked through.
 */
export function isDatabaseUnavailable(error: unknown, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) return false;
  if (error instanceof WriteRefused) return true;
  const { code, message, driverError, errors } = error as {
    code?: unknown;
    message?: unknown;
    driverError?: unknown;
    errors?: unknown;
  };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) {
    return true;
  }
  if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
  if (driverError !== undefined && isDatabaseUnavailable(driverError, depth + 1)) return true;
  return Array.isArray(errors) && errors.some((inner) => isDatabaseUnavailable(inner, depth + 1));
}
