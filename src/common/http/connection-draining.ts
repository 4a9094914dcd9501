import { type Server } from 'node:http';
import { Server as NetServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FastifyInstance } from 'fastify';

const POLL_MS = 25;

/**
 * A stop that resets no accepted request. Closing an HTTP server at once also closes its idle
 * keep-alive connections, and a client may be writing its next request on one of them at that
 * instant: it sees a reset. Draining instead stops accepting connections, answers every further
 * request with `Connection: close` so each client closes its connection after its answer, and only
 * when none is left, or the grace period has passed, closes what is still idle.
 */
export class ConnectionDraining {
  private draining = false;

  constructor(fastify: FastifyInstance) {
    fastify.addHook('onSend', (_request, reply, payload, done) => {
      if (this.draining) reply.header('connection', 'close');
      done(null, payload);
    });
  }

  /** Resolves once every connection has closed, or after `graceMs` with the idle ones closed. */
  async drain(server: Server, graceMs: number): Promise<void> {
    this.draining = true;
    // net.Server's close stops accepting; http.Server's would also cut idle keep-alive connections.
    NetServer.prototype.close.call(server);
    const deadline = Date.now() + graceMs;
    while ((await openConnections(server)) > 0 && Date.now() < deadline) await sleep(POLL_MS);
    server.closeIdleConnections();
  }
}

function openConnections(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.getConnections((error, count) => resolve(error ? 0 : count)),
  );
}
