import type pg from 'pg';
import { expect } from 'vitest';
import { type HttpResult } from './http.js';

/** The CORS headers of contract C6, exactly as Adobe's collection servers send them. */
export const EXPECTED_CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'OPTIONS,POST,PUT',
  'access-control-allow-headers': 'Content-Type',
  'access-control-expose-headers': 'Location',
} as const;

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const SESSION_LOCATION = /^\/api\/v1\/sessions\/([0-9a-f]{64})$/;

export interface ErrorEnvelope {
  statusCode: number;
  message: string;
  errors?: Array<{ path: string; message: string }>;
  requestId: string;
}

export function corsHeadersOf(headers: Headers): Record<string, string | null> {
  return Object.fromEntries(Object.keys(EXPECTED_CORS).map((name) => [name, headers.get(name)]));
}

export function expectCorsHeaders(headers: Headers): void {
  expect(corsHeadersOf(headers)).toEqual(EXPECTED_CORS);
}

/** The C6 envelope: only its four members, typed, statusCode matching the HTTP status. */
export function expectErrorEnvelope(res: HttpResult, status: number): ErrorEnvelope {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  const body = res.json<ErrorEnvelope>();
  const members = Object.keys(body).sort();
  expect(['errors', 'message', 'requestId', 'statusCode']).toEqual(expect.arrayContaining(members));
  expect(body.statusCode).toBe(status);
  expect(typeof body.message).toBe('string');
  expect(body.message.length).toBeGreaterThan(0);
  expect(typeof body.requestId).toBe('string');
  expect(body.requestId).toBe(res.headers.get('x-request-id'));
  if (body.errors !== undefined) {
    expect(Array.isArray(body.errors)).toBe(true);
    for (const error of body.errors) {
      expect(Object.keys(error).sort()).toEqual(['message', 'path']);
      expect(typeof error.path).toBe('string');
      expect(typeof error.message).toBe('string');
    }
  }
  return body;
}

/** The JSON paths a 400 names. */
export function errorPaths(res: HttpResult): string[] {
  return (res.json<ErrorEnvelope>().errors ?? []).map((e) => e.path);
}

export async function countRows(db: pg.Pool, table: 'sessions' | 'events'): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]?.n ?? -1;
}

/** A refused request touched nothing: no session row, no event row. */
export async function expectNothingStored(db: pg.Pool): Promise<void> {
  expect(await countRows(db, 'sessions')).toBe(0);
  expect(await countRows(db, 'events')).toBe(0);
}

/** The id in a session Location header, or undefined. */
export function sidOf(res: HttpResult): string | undefined {
  return SESSION_LOCATION.exec(res.headers.get('location') ?? '')?.[1];
}
