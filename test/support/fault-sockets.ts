import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Raw TCP clients for the slow-client scenarios: requests written byte by byte, bodies that never
 * end, connections left idle. Times are performance.now() milliseconds.
 */

export interface ParsedResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Parses one HTTP/1.1 response from the bytes received; undefined while it is incomplete. */
export function parseResponse(bytes: Buffer, complete = false): ParsedResponse | undefined {
  const end = bytes.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const lines = bytes.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const rest = bytes.subarray(end + 4);
  const length = headers['content-length'];
  if (length !== undefined) {
    if (rest.length < Number(length))
      return complete ? { status, headers, body: rest.toString('utf8') } : undefined;
    return { status, headers, body: rest.subarray(0, Number(length)).toString('utf8') };
  }
  if (headers['transfer-encoding'] === 'chunked') {
    const body = dechunk(rest);
    if (body === undefined && !complete) return undefined;
    return { status, headers, body: body ?? rest.toString('utf8') };
  }
  // No length: the body ends with the connection.
  return complete || status === 204 || status === 304
    ? { status, headers, body: rest.toString('utf8') }
    : undefined;
}

function dechunk(bytes: Buffer): string | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    if (bytes.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(bytes.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** A TCP connection that records what the server sends and when it closes or answers. */
export class RawConnection {
  readonly socket: net.Socket;
  readonly openedAt: number;
  received = Buffer.alloc(0);
  /** When the server's first response was complete. */
  answeredAt?: number;
  response?: ParsedResponse;
  /** When the server ended or reset the connection (or we saw it closed). */
  closedAt?: number;
  closeKind?: 'end' | 'reset' | 'close';
  /** Bytes the client had handed to the socket when the answer arrived (or it closed). */
  writtenAtAnswer?: number;
  private readonly closedPromise: Promise<void>;
  private readonly waiters = new Set<() => void>();

  private constructor(socket: net.Socket) {
    this.socket = socket;
    this.openedAt = performance.now();
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      if (!this.response) {
        const response = parseResponse(this.received);
        if (response) {
          this.response = response;
          this.answeredAt = performance.now();
          this.writtenAtAnswer ??= socket.bytesWritten;
        }
      }
      this.wake();
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.closedAt === undefined) {
        this.closedAt = performance.now();
        this.closeKind = error.code === 'ECONNRESET' ? 'reset' : 'close';
      }
      this.wake();
    });
    socket.on('end', () => {
      if (this.closedAt === undefined) {
        this.closedAt = performance.now();
        this.closeKind = 'end';
      }
      this.wake();
    });
    this.closedPromise = new Promise((resolve) =>
      socket.on('close', () => {
        if (this.closedAt === undefined) {
          this.closedAt = performance.now();
          this.closeKind = 'close';
        }
        if (!this.response && this.received.length > 0) {
          this.response = parseResponse(this.received, true);
          if (this.response) this.answeredAt ??= this.closedAt;
        }
        this.writtenAtAnswer ??= socket.bytesWritten;
        this.wake();
        resolve();
      }),
    );
  }

  static open(baseUrl: string): Promise<RawConnection> {
    const url = new URL(baseUrl);
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: url.hostname, port: Number(url.port) });
      socket.setNoDelay(true);
      socket.once('connect', () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  /** The server answered or closed. */
  get finished(): boolean {
    return this.response !== undefined || this.closedAt !== undefined;
  }

  /** When the server answered or closed, whichever came first (ms after opening). */
  get cutAfterMs(): number | undefined {
    const at = Math.min(this.answeredAt ?? Infinity, this.closedAt ?? Infinity);
    return Number.isFinite(at) ? at - this.openedAt : undefined;
  }

  /** Writes unless the connection is gone; resolves once the socket drained. */
  async write(data: string | Buffer): Promise<boolean> {
    if (this.finished || this.socket.destroyed || !this.socket.writable) return false;
    const flushed = this.socket.write(data);
    if (!flushed) {
      await Promise.race([
        new Promise((resolve) => this.socket.once('drain', resolve)),
        this.until(() => this.finished, 30_000),
      ]);
    }
    return !this.finished;
  }

  /** Resolves when `condition` holds or `timeoutMs` passed; returns whether it holds. */
  async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    if (condition()) return true;
    const deadline = performance.now() + timeoutMs;
    while (!condition() && performance.now() < deadline) {
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.waiters.delete(wake);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(wake, Math.max(1, Math.min(100, deadline - performance.now())));
        this.waiters.add(wake);
      });
    }
    return condition();
  }

  /** Waits until the server has closed the connection (or `timeoutMs`). */
  closed(timeoutMs: number): Promise<boolean> {
    return Promise.race([this.closedPromise.then(() => true), sleep(timeoutMs).then(() => false)]);
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }
}

/** Writes `text` one byte every `everyMs` until the server answers or closes, or `maxMs` passed. */
export async function dribble(
  connection: RawConnection,
  text: string,
  everyMs: number,
  maxMs: number,
): Promise<void> {
  const deadline = connection.openedAt + maxMs;
  for (let i = 0; i < text.length && performance.now() < deadline; i += 1) {
    if (!(await connection.write(text[i]))) return;
    await connection.until(() => connection.finished, everyMs);
    if (connection.finished) return;
  }
}

/** Figures of a set of durations (ms), for the printed report. */
export function summarise(values: readonly number[]): string {
  if (values.length === 0) return 'n=0';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
  return `n=${sorted.length} min ${sorted[0].toFixed(0)} p50 ${at(0.5).toFixed(0)} p99 ${at(0.99).toFixed(0)} max ${sorted[sorted.length - 1].toFixed(0)} ms`;
}
