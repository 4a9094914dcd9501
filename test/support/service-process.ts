import { type ChildProcess, spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';

const MAIN = join(import.meta.dirname, '..', '..', 'dist', 'src', 'main.js');

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly baseUrl: string;
  readonly output: () => string;
  /** Resolves with the exit code (or signal name). */
  readonly exited: Promise<number | string>;
}

/** Runs the built service (`npm run build` first) as ops would, with only the given environment. */
export async function startServiceProcess(
  env: Record<string, string>,
  port: number,
): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')),
  );
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // The service's start-up line, not the inspector's "Debugger listening on ws://…".
      if (/listening on (every address|http)/.test(output)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) =>
      reject(new Error(`service exited (${code}) before listening:\n${output}`)),
    );
  });
  return { child, baseUrl: `http://127.0.0.1:${port}`, output: () => output, exited };
}

/** Runs the built service expecting it to refuse to start. */
export async function runServiceToExit(
  env: Record<string, string>,
  nodeArgs: readonly string[] = [],
): Promise<{ code: number | string; stderr: string }> {
  const child = spawn(process.execPath, [...nodeArgs, MAIN], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | string>((resolve) =>
    child.on('exit', (c, signal) => resolve(c ?? signal ?? 'unknown')),
  );
  return { code, stderr };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

/** The embedded cluster's postmaster pid and port, from its pid file (undefined when it is gone). */
export async function embeddedPostmaster(
  dataDir: string,
): Promise<{ pid: number; port: number } | undefined> {
  const text = await readFile(join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').catch(
    () => undefined,
  );
  if (!text) return undefined;
  const lines = text.split('\n');
  return { pid: Number(lines[0]), port: Number(lines[3]) };
}

/** A client of the embedded database a service process runs under `dataDir`. */
export async function embeddedClient(dataDir: string): Promise<pg.Client> {
  const postmaster = await embeddedPostmaster(dataDir);
  if (!postmaster) throw new Error('the embedded PostgreSQL is not running');
  const password = (await readFile(join(dataDir, 'postgres.password'), 'utf8')).trim();
  const client = new pg.Client({
    host: '127.0.0.1',
    port: postmaster.port,
    user: 'postgres',
    password,
    database: 'media',
  });
  await client.connect();
  return client;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
