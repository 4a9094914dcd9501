import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSessionStart } from '../support/factories.js';
import { c6Problems, startFaultService, stopService } from '../support/fault-client.js';
import { type ServiceProcess } from '../support/service-process.js';

/**
 * C9: with REPORTS_API_TOKEN set, every reporting route answers 401 in the C6 envelope to anything
 * but `Authorization: Bearer <token>`, and 200 to the right token. The matrix is printed.
 */

const TOKEN = 'reports-auth-token-0123456789abcdef';
const lastCharChanged = `${TOKEN.slice(0, -1)}${TOKEN.endsWith('f') ? 'e' : 'f'}`;

/** Authorization values (undefined: no header at all), each with the status it must get. */
const CREDENTIALS: ReadonlyArray<{ name: string; header: string | undefined; status: number }> = [
  { name: 'no Authorization header', header: undefined, status: 401 },
  { name: 'a wrong token', header: 'Bearer not-the-reports-token-at-all', status: 401 },
  {
    name: 'the token with its last character changed',
    header: `Bearer ${lastCharChanged}`,
    status: 401,
  },
  {
    name: 'the token without its last character',
    header: `Bearer ${TOKEN.slice(0, -1)}`,
    status: 401,
  },
  { name: 'the token with one character more', header: `Bearer ${TOKEN}x`, status: 401 },
  { name: 'an empty token (`Bearer `)', header: 'Bearer ', status: 401 },
  { name: '`Bearer` alone', header: 'Bearer', status: 401 },
  { name: 'an empty header', header: '', status: 401 },
  {
    name: 'the Basic scheme with the token as password',
    header: `Basic ${Buffer.from(`user:${TOKEN}`).toString('base64')}`,
    status: 401,
  },
  { name: 'the Basic scheme with the token', header: `Basic ${TOKEN}`, status: 401 },
  { name: 'the token without a scheme', header: TOKEN, status: 401 },
  { name: 'another scheme (`Token`)', header: `Token ${TOKEN}`, status: 401 },
  { name: 'two tokens', header: `Bearer ${TOKEN} ${TOKEN}`, status: 401 },
  { name: 'the token upper-cased', header: `Bearer ${TOKEN.toUpperCase()}`, status: 401 },
  { name: 'the right token', header: `Bearer ${TOKEN}`, status: 200 },
];

const log = (line: string) => console.log(`[reports-auth] ${line}`);

describe('C9: the reporting API needs the bearer token on every route', () => {
  let service: ServiceProcess;
  let routes: Array<{ name: string; path: string }>;

  beforeAll(async () => {
    service = await startFaultService({ REPORTS_API_TOKEN: TOKEN });
    const created = await fetch(`${service.baseUrl}/api/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(aSessionStart()),
    });
    expect(created.status).toBe(201);
    const sid = /[0-9a-f]{64}$/.exec(created.headers.get('location') ?? '')![0];
    // Every route of src/reports/reports.controller.ts, with a query where it takes one.
    routes = [
      { name: 'GET /reports/sessions/{sid}', path: `/api/v1/reports/sessions/${sid}` },
      { name: 'GET /reports/summary', path: '/api/v1/reports/summary' },
      { name: 'GET /reports/summary?groupBy=day', path: '/api/v1/reports/summary?groupBy=day' },
      { name: 'GET /reports/live', path: '/api/v1/reports/live' },
    ];
  });

  afterAll(async () => {
    await stopService(service);
  });

  it('C9/C6: 401 in the envelope for every wrong credential, 200 for the right one, on every route', async () => {
    const matrix: string[][] = [];
    const failures: string[] = [];
    for (const credential of CREDENTIALS) {
      const row = [credential.name];
      for (const route of routes) {
        for (const accept of ['application/json', 'text/csv']) {
          if (accept === 'text/csv' && !route.path.includes('summary')) continue;
          const headers: Record<string, string> = { accept };
          if (credential.header !== undefined) headers.authorization = credential.header;
          const res = await fetch(`${service.baseUrl}${route.path}`, { headers });
          const text = await res.text();
          const plain = Object.fromEntries(res.headers.entries());
          const problems =
            res.status === 200 ? [] : c6Problems({ status: res.status, headers: plain, text });
          const ok = res.status === credential.status && problems.length === 0;
          row.push(`${res.status}${ok ? '' : ' !'}`);
          if (!ok) {
            failures.push(
              `${route.name} (${accept}) with ${credential.name}: ${res.status} ${problems.join('; ')} ${text.slice(0, 200)}`,
            );
          }
          if (res.status === 401 && text.includes(TOKEN))
            failures.push(`${route.name}: the 401 echoes the token`);
        }
      }
      matrix.push(row);
    }
    const sample = await fetch(`${service.baseUrl}/api/v1/reports/live`);
    log(
      `a 401 answer: ${sample.status} ${await sample.text()} (WWW-Authenticate: ${sample.headers.get('www-authenticate') ?? 'none'})`,
    );
    const heads = [
      'credential',
      ...routes.flatMap((r) =>
        r.path.includes('summary') ? [`${r.name} (json)`, `${r.name} (csv)`] : [r.name],
      ),
    ];
    log(
      `matrix (status per route; "!" marks a wrong answer):\n${[heads, ...matrix].map((r) => r.join(' | ')).join('\n')}`,
    );
    expect(failures).toEqual([]);
  });

  it('C9: the guard comes first: a wrong token gets 401, not 404 or 400, for an unknown sid or a bad query', async () => {
    const cases = [
      '/api/v1/reports/sessions/0000000000000000000000000000000000000000000000000000000000000000',
      '/api/v1/reports/sessions/not-a-sid',
      '/api/v1/reports/summary?groupBy=nope',
      '/api/v1/reports/summary?from=yesterday',
    ];
    const seen: string[] = [];
    for (const path of cases) {
      const wrong = await fetch(`${service.baseUrl}${path}`, {
        headers: { authorization: 'Bearer wrong-token-0123456789' },
      });
      const right = await fetch(`${service.baseUrl}${path}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      seen.push(`${path}: wrong token ${wrong.status}, right token ${right.status}`);
      expect.soft(wrong.status, path).toBe(401);
      expect.soft([400, 404], path).toContain(right.status);
    }
    log(seen.join('\n'));
  });
});
