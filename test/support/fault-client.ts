import { readFile } from 'node:fs/promises';
import http from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { faultsDatabaseUrl } from './faults-database.js';
import { freePort, isAlive, type ServiceProcess, startServiceProcess } from './service-process.js';

/**
 * Helpers of the fault scenarios (test/faults): the built service as a process of its own, a
 * keep-alive HTTP client that sends raw bytes, the C6 checks as lists of problems (a fuzz run
 * checks tens of thousands of answers and reports them all at once), and the service's RSS.
 */

/** The built service on a free loopback port, on the suite's database, with the rate limit out of the way. */
export async function startFaultService(env: Record<string, string> = {}): Promise<ServiceProcess> {
  return startServiceProcess(
    {
      DATABASE_URL: faultsDatabaseUrl(),
      RATE_LIMIT_PER_SECOND: '1000000',
      SESSION_STARTS_PER_SECOND: '0',
      ...env,
    },
    await freePort(),
  );
}

/** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
export async function stopService(service: ServiceProcess | undefined, graceMs = 10_000) {
  if (!service || service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  const timer = sleep(graceMs).then(() => 'timeout' as const);
  if ((await Promise.race([service.exited, timer])) === 'timeout') {
    service.child.kill('SIGKILL');
    await service.exited;
  }
}

export function serviceAlive(service: ServiceProcess): boolean {
  const pid = service.child.pid;
  return service.child.exitCode === null && pid !== undefined && isAlive(pid);
}

/** VmRSS of a process in KiB, from /proc/<pid>/status. */
export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  /** Sent as is, with a Content-Length of its byte length. */
  readonly body?: Buffer;
}

export interface RawAnswer {
  /** 0 when no response arrived (see `error`). */
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
  readonly text: string;
  /** A transport error (ECONNRESET, EPIPE, timeout) before a response arrived. */
  readonly error?: string;
  readonly ms: number;
}

/**
 * Requests over a bounded pool of keep-alive sockets. Bodies are Buffers sent byte for byte; no
 * Content-Type is added unless given.
 */
export class KeepAliveClient {
  readonly agent: http.Agent;
  private readonly host: string;
  private readonly port: number;

  constructor(
    baseUrl: string,
    readonly sockets = 32,
    private readonly timeoutMs = 30_000,
  ) {
    const url = new URL(baseUrl);
    this.host = url.hostname;
    this.port = Number(url.port);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  }

  send(request: RawRequest): Promise<RawAnswer> {
    const started = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const finish = (answer: Omit<RawAnswer, 'ms'>) => {
        if (settled) return;
        settled = true;
        resolve({ ...answer, ms: performance.now() - started });
      };
      const headers: Record<string, string> = { ...request.headers };
      if (request.body) headers['content-length'] = String(request.body.length);
      const req = http.request(
        {
          host: this.host,
          port: this.port,
          path: request.path,
          method: request.method ?? 'POST',
          headers,
          agent: this.agent,
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const body = Buffer.concat(chunks);
            finish({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body,
              text: body.toString('utf8'),
            });
          });
          res.on('error', (error: NodeJS.ErrnoException) =>
            finish({
              status: 0,
              headers: {},
              body: Buffer.alloc(0),
              text: '',
              error: codeOf(error),
            }),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error('client timeout')));
      // A server that answers before reading the whole body may reset the socket while the rest
      // is being written; the answer, when it arrived, is what counts.
      req.on('error', (error: NodeJS.ErrnoException) =>
        finish({ status: 0, headers: {}, body: Buffer.alloc(0), text: '', error: codeOf(error) }),
      );
      req.end(request.body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

function codeOf(error: NodeJS.ErrnoException): string {
  return error.code ?? error.message;
}

/** Runs `work` on every item from `items` with at most `concurrency` at a time. */
export async function forEachConcurrently<T>(
  items: Iterable<T>,
  concurrency: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  const iterator = items[Symbol.iterator]();
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) await work(next.value);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'OPTIONS,POST,PUT',
  'access-control-allow-headers': 'Content-Type',
  'access-control-expose-headers': 'Location',
} as const;

/** What is wrong with an answer by contract C6 (CORS, X-Request-Id, the error envelope); [] if nothing. */
export function c6Problems(answer: Pick<RawAnswer, 'status' | 'headers' | 'text'>): string[] {
  const problems: string[] = [];
  for (const [name, value] of Object.entries(CORS)) {
    const given = answer.headers[name];
    if (given !== value) problems.push(`header ${name} is ${JSON.stringify(given) ?? 'absent'}`);
  }
  const requestId = answer.headers['x-request-id'];
  if (typeof requestId !== 'string' || requestId.length === 0) problems.push('no X-Request-Id');
  if (answer.status >= 400) problems.push(...envelopeProblems(answer, requestId));
  return problems;
}

/** The C6 error body: exactly statusCode, message, requestId and optional errors[{path, message}]. */
export function envelopeProblems(
  answer: Pick<RawAnswer, 'status' | 'headers' | 'text'>,
  requestId = answer.headers['x-request-id'],
): string[] {
  const problems: string[] = [];
  if (!/^application\/json/.test(answer.headers['content-type'] ?? '')) {
    problems.push(`content-type ${answer.headers['content-type']}`);
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    return [...problems, 'body is not JSON'];
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return [...problems, 'body is not a JSON object'];
  }
  const extra = Object.keys(body).filter(
    (key) => !['statusCode', 'message', 'errors', 'requestId'].includes(key),
  );
  if (extra.length > 0) problems.push(`members not in the envelope: ${extra.join(', ')}`);
  if (body.statusCode !== answer.status) problems.push(`statusCode ${String(body.statusCode)}`);
  if (typeof body.message !== 'string' || body.message.length === 0) problems.push('no message');
  if (typeof body.requestId !== 'string' || body.requestId.length === 0) {
    problems.push('no requestId');
  } else if (body.requestId !== requestId) {
    problems.push('requestId differs from X-Request-Id');
  }
  if (body.errors !== undefined) {
    const errors = body.errors as unknown[];
    const wellFormed =
      Array.isArray(errors) &&
      errors.every(
        (e) =>
          e !== null &&
          typeof e === 'object' &&
          Object.keys(e).sort().join() === 'message,path' &&
          typeof (e as { path: unknown }).path === 'string' &&
          typeof (e as { message: unknown }).message === 'string',
      );
    if (!wellFormed) problems.push('errors is not a list of {path, message}');
  }
  return problems;
}

/** Counts by key, printed as a sorted table. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(key: string | number, by = 1): void {
    const name = String(key);
    this.counts.set(name, (this.counts.get(name) ?? 0) + by);
  }

  get(key: string | number): number {
    return this.counts.get(String(key)) ?? 0;
  }

  total(): number {
    let sum = 0;
    for (const n of this.counts.values()) sum += n;
    return sum;
  }

  keys(): string[] {
    return [...this.counts.keys()].sort();
  }

  toObject(): Record<string, number> {
    return Object.fromEntries(this.keys().map((key) => [key, this.get(key)]));
  }

  format(): string {
    return this.keys()
      .map((key) => `${key}: ${this.get(key).toLocaleString('en-US')}`)
      .join(', ');
  }
}

/** Keeps the first `limit` examples of each kind of finding, and counts them all. */
export class Findings {
  readonly count = new Tally();
  private readonly examples = new Map<string, string[]>();

  constructor(private readonly limit = 3) {}

  add(kind: string, example: string): void {
    this.count.add(kind);
    const list = this.examples.get(kind) ?? [];
    if (list.length < this.limit) list.push(example);
    this.examples.set(kind, list);
  }

  get size(): number {
    return this.count.total();
  }

  report(): string {
    return this.count
      .keys()
      .map(
        (kind) =>
          `  ${kind} (${this.count.get(kind)}):\n${(this.examples.get(kind) ?? []).map((e) => `    - ${e}`).join('\n')}`,
      )
      .join('\n');
  }
}

/** A short printable form of a request body for reports (binary bytes as \xNN). */
export function preview(body: Buffer | undefined, max = 160): string {
  if (!body) return '(none)';
  const text = body.subarray(0, max).toString('latin1');
  const shown = text.replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16)}`);
  return body.length > max ? `${shown}… (${body.length} bytes)` : shown;
}
