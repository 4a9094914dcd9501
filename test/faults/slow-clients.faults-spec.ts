import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSessionStart } from '../support/factories.js';
import { c6Problems, startFaultService, stopService } from '../support/fault-client.js';
import { dribble, RawConnection, summarise } from '../support/fault-sockets.js';
import { post } from '../support/http.js';
import { type ServiceProcess } from '../support/service-process.js';

/**
 * Slow and greedy clients against the built service started with short HTTP timeouts: a client
 * that trickles its headers or its body is cut off in bounded time while others are served
 * without a stall; a body over the cap is refused with 413 before it is read; idle keep-alive
 * connections are closed. Every figure is printed.
 */

const HEADERS_TIMEOUT_MS = 2_000;
const REQUEST_TIMEOUT_MS = 3_000;
const KEEP_ALIVE_TIMEOUT_MS = 2_000;
const SLACK_MS = 2_000;
/** How long a scenario watches before giving up: long enough to report the real figure. */
const OBSERVE_MS = 35_000;
const BODY_LIMIT = 64 * 1024; // BODY_LIMIT_BYTES default
const SESSIONS = '/api/v1/sessions';

const log = (line: string) => console.log(`[slow-clients] ${line}`);

/** A normal player starting sessions back to back while `busy` holds; latencies in ms. */
async function normalClient(
  baseUrl: string,
  busy: () => boolean,
): Promise<{ latencies: number[]; statuses: number[] }> {
  const latencies: number[] = [];
  const statuses: number[] = [];
  while (busy()) {
    const started = performance.now();
    const res = await post(baseUrl, SESSIONS, aSessionStart());
    latencies.push(performance.now() - started);
    statuses.push(res.status);
    await sleep(50);
  }
  return { latencies, statuses };
}

/**
 * The figures and checks shared by the slow-header and slow-body cases: each socket cut off
 * within `timeoutMs` plus slack, any answer a 408 in the C6 envelope, the normal client served.
 */
function expectCutOff(
  tag: string,
  kind: string,
  connections: readonly RawConnection[],
  cutAfter: readonly number[],
  timeoutMs: number,
  normal: { latencies: number[]; statuses: number[] },
): void {
  log(
    `(${tag}) normal client meanwhile: ${normal.statuses.length} session starts, statuses ${[...new Set(normal.statuses)].join(',')}, latency ${summarise(normal.latencies)}`,
  );
  const answered = connections.find((c) => c.response);
  if (answered?.response)
    log(
      `(${tag}) the server's answer: ${answered.response.status} ${JSON.stringify(answered.response.headers)} ${answered.response.body.slice(0, 200)}`,
    );
  for (const [i, c] of connections.entries()) {
    expect.soft(c.finished, `${kind} socket ${i} cut off`).toBe(true);
    expect
      .soft(cutAfter[i], `${kind} socket ${i} cut within ${timeoutMs + SLACK_MS} ms`)
      .toBeLessThanOrEqual(timeoutMs + SLACK_MS);
    if (c.response) {
      expect.soft(c.response.status, `a 408 for the ${kind} socket`).toBe(408);
      expect
        .soft(
          c6Problems({
            status: c.response.status,
            headers: c.response.headers,
            text: c.response.body,
          }),
          'C6 on the 408',
        )
        .toEqual([]);
    }
  }
}

const cut = (c: RawConnection) =>
  c.response
    ? `${c.response.status}`
    : c.closedAt !== undefined
      ? `closed (${c.closeKind})`
      : 'open';

describe('slow clients (C6, C1 size) with HTTP_HEADERS_TIMEOUT_MS=2000, HTTP_REQUEST_TIMEOUT_MS=3000, HTTP_KEEP_ALIVE_TIMEOUT_MS=2000', () => {
  let service: ServiceProcess;

  beforeAll(async () => {
    service = await startFaultService({
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
    });
  });

  afterAll(async () => {
    await stopService(service);
  });

  it('slow-loris: headers a byte every 500 ms are cut off (408 or close) within the header timeout + 2 s; other clients keep getting 201 in under 1 s', async () => {
    const SOCKETS = 20;
    const connections = await Promise.all(
      Array.from({ length: SOCKETS }, () => RawConnection.open(service.baseUrl)),
    );
    const head = `POST ${SESSIONS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nX-Slow: `;
    const trickles = connections.map((c) =>
      dribble(c, `${head}${'a'.repeat(200)}`, 500, OBSERVE_MS),
    );
    let done = false;
    const normal = normalClient(service.baseUrl, () => !done);
    await Promise.all(connections.map((c) => c.until(() => c.finished, OBSERVE_MS)));
    done = true;
    await Promise.all(trickles);
    const { latencies, statuses } = await normal;
    for (const c of connections) c.destroy();

    const cutAfter = connections.map((c) => c.cutAfterMs ?? Infinity);
    const outcomes = connections.map(cut);
    log(
      `(a) slow-loris x${SOCKETS}: cut after ${summarise(cutAfter.filter(Number.isFinite))}; still open after ${OBSERVE_MS} ms: ${cutAfter.filter((t) => !Number.isFinite(t)).length}; outcomes: ${[...new Set(outcomes)].map((o) => `${o} x${outcomes.filter((x) => x === o).length}`).join(', ')}`,
    );
    expectCutOff('a', 'slow-loris', connections, cutAfter, HEADERS_TIMEOUT_MS, {
      latencies,
      statuses,
    });
    expect.soft(statuses.length).toBeGreaterThan(0);
    expect
      .soft(
        statuses.every((s) => s === 201),
        `normal client statuses ${statuses.join(',')}`,
      )
      .toBe(true);
    expect.soft(Math.max(...latencies), 'normal client max latency (ms)').toBeLessThan(1_000);
  }, 60_000);

  it('slow body: Content-Length 1000 and a body byte every 500 ms is cut off (408 or close) within the request timeout + 2 s', async () => {
    const SOCKETS = 10;
    const connections = await Promise.all(
      Array.from({ length: SOCKETS }, () => RawConnection.open(service.baseUrl)),
    );
    const head =
      `POST ${SESSIONS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
      'Content-Length: 1000\r\n\r\n';
    for (const c of connections) await c.write(head);
    const body = JSON.stringify(aSessionStart()).padEnd(1000, ' ');
    const trickles = connections.map((c) => dribble(c, body, 500, OBSERVE_MS));
    let done = false;
    const normal = normalClient(service.baseUrl, () => !done);
    await Promise.all(connections.map((c) => c.until(() => c.finished, OBSERVE_MS)));
    done = true;
    await Promise.all(trickles);
    const { latencies, statuses } = await normal;
    for (const c of connections) c.destroy();

    const cutAfter = connections.map((c) => c.cutAfterMs ?? Infinity);
    const outcomes = connections.map(cut);
    log(
      `(b) slow body x${SOCKETS}: cut after ${summarise(cutAfter.filter(Number.isFinite))}; still open after ${OBSERVE_MS} ms: ${cutAfter.filter((t) => !Number.isFinite(t)).length}; body bytes sent before the cut: ${summarise(connections.map((c) => (c.writtenAtAnswer ?? c.socket.bytesWritten) - head.length)).replace(/ ms$/, ' bytes')}; outcomes: ${[...new Set(outcomes)].map((o) => `${o} x${outcomes.filter((x) => x === o).length}`).join(', ')}`,
    );
    expectCutOff('b', 'slow-body', connections, cutAfter, REQUEST_TIMEOUT_MS, {
      latencies,
      statuses,
    });
    expect
      .soft(
        statuses.every((s) => s === 201),
        `normal client statuses ${statuses.join(',')}`,
      )
      .toBe(true);
    expect.soft(Math.max(...latencies), 'normal client max latency (ms)').toBeLessThan(1_000);
  }, 60_000);

  describe('a body over the cap is refused with 413 without being read', () => {
    /** Sends up to `budget` body bytes in `chunk`-byte pieces (framed when chunked), every `everyMs`. */
    async function overCap(options: {
      chunked: boolean;
      chunk: number;
      everyMs: number;
      budget: number;
      /** Go on writing after the answer, to see whether the server reads the rest. */
      drain: boolean;
    }): Promise<{
      c: RawConnection;
      bodyBytes: number;
      headLength: number;
      totalWritten: number;
      closedByServer: boolean;
    }> {
      const c = await RawConnection.open(service.baseUrl);
      const head =
        `POST ${SESSIONS} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        (options.chunked
          ? 'Transfer-Encoding: chunked\r\n\r\n'
          : 'Content-Length: 10000000\r\n\r\n');
      const piece = Buffer.alloc(options.chunk, 'x');
      piece[0] = 0x7b; // '{'
      const framed = options.chunked
        ? Buffer.concat([
            Buffer.from(`${options.chunk.toString(16)}\r\n`),
            piece,
            Buffer.from('\r\n'),
          ])
        : piece;
      if (options.everyMs === 0) {
        // As fast as the socket takes it: the headers and the whole budget in one write, which the
        // loopback buffers take at once. Written piece by piece, or beyond what the buffers take,
        // a write that fails on the connection the server has closed makes Node drop the socket
        // before it reads the 413 already received (an artefact of the client: curl, with or
        // without Expect: 100-continue, got its 413 40 times out of 40 on a 10 MB body).
        const pieces = Math.ceil(options.budget / options.chunk);
        c.socket.write(
          Buffer.concat([Buffer.from(head), ...Array.from({ length: pieces }, () => framed)]),
        );
      } else {
        await c.write(head);
        let sent = 0;
        while (sent < options.budget && !c.finished) {
          if (!(await c.write(framed))) break;
          sent += options.chunk;
          await c.until(() => c.finished, options.everyMs);
        }
      }
      await c.until(() => c.response !== undefined || c.closedAt !== undefined, 5_000);
      // Body bytes handed to the socket before the answer (or the close), framing left out.
      const written = (c.writtenAtAnswer ?? c.socket.bytesWritten) - head.length;
      const bodyBytes = options.chunked
        ? Math.floor(written / framed.length) * options.chunk
        : written;
      // Then the client goes on writing up to 10 MB for 5 s: a server that stopped reading (and
      // closed) takes a few socket buffers' worth at most; one that drains the body takes it all.
      const drainStarted = performance.now();
      let total = c.socket.bytesWritten - head.length;
      while (options.drain && total < 10_000_000 && performance.now() - drainStarted < 5_000) {
        if (c.socket.destroyed || !c.socket.writable || c.closedAt !== undefined) break;
        const flushed = c.socket.write(framed);
        total += framed.length;
        if (!flushed) {
          const drained = await Promise.race([
            new Promise<boolean>((resolve) => c.socket.once('drain', () => resolve(true))),
            c.until(() => c.closedAt !== undefined, 1_000).then(() => false),
          ]);
          if (!drained) break;
        }
      }
      const closedByServer = options.drain ? await c.closed(1_000) : c.closedAt !== undefined;
      c.destroy();
      return { c, bodyBytes, headLength: head.length, totalWritten: total, closedByServer };
    }

    const cases = [
      {
        name: 'Content-Length 10 MB, sent as fast as the socket takes it',
        chunked: false,
        chunk: 65_536,
        everyMs: 0,
        budget: BODY_LIMIT + 256 * 1024,
        maxBody: BODY_LIMIT + 256 * 1024,
      },
      {
        name: 'Content-Length 10 MB, 4 KiB every 50 ms',
        chunked: false,
        chunk: 4_096,
        everyMs: 50,
        budget: BODY_LIMIT + (1 << 20),
        maxBody: 64 * 1024,
      },
      {
        name: 'chunked (no Content-Length), as fast as the socket takes it',
        chunked: true,
        chunk: 16_384,
        everyMs: 0,
        budget: BODY_LIMIT + 256 * 1024,
        maxBody: BODY_LIMIT + 256 * 1024,
      },
      {
        name: 'chunked (no Content-Length), 8 KiB every 20 ms',
        chunked: true,
        chunk: 8_192,
        everyMs: 20,
        budget: BODY_LIMIT + (1 << 20),
        maxBody: BODY_LIMIT + 128 * 1024,
      },
    ];

    /** Attempts of each case: every one must get its 413, whatever the timing. */
    const ATTEMPTS = 30;

    it.each(cases)('C1: $name', async ({ name, chunked, chunk, everyMs, budget, maxBody }) => {
      const first = await overCap({ chunked, chunk, everyMs, budget, drain: true });
      const { c, bodyBytes, totalWritten, closedByServer } = first;
      const answerMs = c.answeredAt !== undefined ? c.answeredAt - c.openedAt : undefined;
      log(
        `(c) over the cap, ${name}: ${c.response ? c.response.status : 'no answer'} after ${answerMs?.toFixed(0) ?? '-'} ms; body bytes written before the answer ${bodyBytes.toLocaleString('en-US')} (cap ${BODY_LIMIT.toLocaleString('en-US')}, budget ${budget.toLocaleString('en-US')}${chunked ? '' : ', declared 10,000,000'}); answer headers ${JSON.stringify(c.response?.headers ?? {})}`,
      );
      log(
        `(c)   then writing on for 5 s: ${totalWritten.toLocaleString('en-US')} body bytes taken in all; connection ${closedByServer ? `closed by the server (${c.closeKind})` : 'still open'}`,
      );
      // The same again: every attempt must get its 413, none a reset that swallows it.
      const attempts = [first];
      for (let i = 1; i < ATTEMPTS; i += 1) {
        attempts.push(await overCap({ chunked, chunk, everyMs, budget, drain: false }));
      }
      const answered = attempts.filter((a) => a.c.response?.status === 413);
      const lost = attempts.filter((a) => a.c.response === undefined);
      log(
        `(c)   ${ATTEMPTS} attempts: 413 received ${answered.length}, connection closed with no answer read ${lost.length} (${lost.map((a) => `${a.c.closeKind} after ${a.bodyBytes.toLocaleString('en-US')} body bytes`).join(', ') || '-'}); body bytes before the answer ${summarise(answered.map((a) => a.bodyBytes)).replace(/ ms$/, ' bytes')}`,
      );

      expect.soft(answered.length, `attempts of "${name}" that got their 413`).toBe(ATTEMPTS);
      for (const attempt of answered) {
        const response = attempt.c.response!;
        expect
          .soft(
            c6Problems({ status: response.status, headers: response.headers, text: response.body }),
            'the C6 envelope and headers',
          )
          .toEqual([]);
        expect
          .soft(attempt.bodyBytes, 'body bytes written before the answer')
          .toBeLessThanOrEqual(maxBody);
      }
      expect.soft(bodyBytes, 'far less than declared').toBeLessThan(10_000_000);
      // Not read whole afterwards either: the server stops taking the body once it has answered.
      expect.soft(totalWritten, 'body bytes the server took in all').toBeLessThan(10_000_000);
    });
  });

  it('idle keep-alive connections (200) are closed by the server after the keep-alive timeout', async () => {
    const SOCKETS = 200;
    const connections = await Promise.all(
      Array.from({ length: SOCKETS }, () => RawConnection.open(service.baseUrl)),
    );
    await Promise.all(
      connections.map((c) => c.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n')),
    );
    await Promise.all(connections.map((c) => c.until(() => c.response !== undefined, 10_000)));
    const window = KEEP_ALIVE_TIMEOUT_MS + SLACK_MS + 2_000;
    await Promise.all(connections.map((c) => c.closed(window)));
    for (const c of connections) c.destroy();

    const answered = connections.filter((c) => c.response?.status === 200);
    const idleFor = answered
      .filter((c) => c.closedAt !== undefined)
      .map((c) => c.closedAt! - c.answeredAt!);
    const stillOpen = answered.length - idleFor.length;
    log(
      `(d) ${SOCKETS} idle keep-alive connections: ${answered.length} answered 200 (Keep-Alive: ${answered[0]?.response?.headers['keep-alive'] ?? '-'}); closed by the server after idling ${summarise(idleFor)}; still open after ${window} ms: ${stillOpen}`,
    );

    expect(answered).toHaveLength(SOCKETS);
    expect.soft(stillOpen, `connections still open ${window} ms after their answer`).toBe(0);
    for (const idle of idleFor) {
      expect
        .soft(idle, 'idle time before the close (ms)')
        .toBeLessThanOrEqual(KEEP_ALIVE_TIMEOUT_MS + SLACK_MS);
    }
  }, 60_000);

  it('the service is still healthy after the slow clients', async () => {
    const res = await post(service.baseUrl, SESSIONS, aSessionStart());
    const health = await fetch(`${service.baseUrl}/health`);
    log(
      `after: POST /sessions ${res.status}, GET /health ${health.status}, process ${service.child.exitCode === null ? 'alive' : `exited ${service.child.exitCode}`}`,
    );
    expect(res.status).toBe(201);
    expect(health.status).toBe(200);
  });
});
