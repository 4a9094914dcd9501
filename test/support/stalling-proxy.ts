import net from 'node:net';

/**
 * A TCP proxy between the service and PostgreSQL that can freeze the network without breaking it:
 * `stall()` stops every byte in both directions while every connection stays open — no FIN, no
 * RST, nothing the driver could notice — as a congested link, a hung NAT entry or a frozen
 * database host looks to the service. `resume()` lets the held bytes through in order, so what
 * the service sent during the stall reaches the database afterwards (a write answered 503 may yet
 * commit). Connections opened during a stall are accepted and wait, unconnected upstream, until
 * the resume.
 */

export interface StallingProxyStats {
  /** Client connections accepted since the start. */
  readonly accepted: number;
  /** Pairs currently open. */
  readonly open: number;
  /** Bytes forwarded towards the database / towards the service. */
  readonly bytesUp: number;
  readonly bytesDown: number;
  /** Connections accepted while stalled (their upstream waits for the resume). */
  readonly acceptedWhileStalled: number;
}

interface Pair {
  readonly client: net.Socket;
  upstream?: net.Socket;
  /** A side ended or failed while stalled; the other side is told at the resume. */
  pendingClose: boolean;
  closed: boolean;
}

export class StallingProxy {
  private readonly pairs = new Set<Pair>();
  private stalled = false;
  private accepted = 0;
  private acceptedWhileStalled = 0;
  private bytesUp = 0;
  private bytesDown = 0;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
    private readonly target: { readonly host: string; readonly port: number },
  ) {
    server.on('connection', (client) => this.accept(client));
  }

  /** Listens on a free loopback port and forwards to `target`. */
  static async start(target: { host: string; port: number }): Promise<StallingProxy> {
    const server = net.createServer({ pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
    return new StallingProxy(server, address.port, target);
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const proxied = new URL(url);
    proxied.hostname = '127.0.0.1';
    proxied.port = String(this.port);
    return proxied.toString();
  }

  get isStalled(): boolean {
    return this.stalled;
  }

  stats(): StallingProxyStats {
    return {
      accepted: this.accepted,
      open: this.pairs.size,
      bytesUp: this.bytesUp,
      bytesDown: this.bytesDown,
      acceptedWhileStalled: this.acceptedWhileStalled,
    };
  }

  /** Stops forwarding in both directions; every connection stays open. */
  stall(): void {
    this.stalled = true;
    for (const pair of this.pairs) {
      pair.client.pause();
      pair.upstream?.pause();
    }
  }

  /** Forwards again: held bytes first, then closes that happened meanwhile. */
  resume(): void {
    this.stalled = false;
    for (const pair of [...this.pairs]) {
      if (pair.upstream === undefined) {
        this.connectUpstream(pair);
        continue;
      }
      if (pair.pendingClose) {
        this.closePair(pair);
        continue;
      }
      if (pair.upstream.writableNeedDrain === false) pair.client.resume();
      if (pair.client.writableNeedDrain === false) pair.upstream.resume();
    }
  }

  /** Stops listening and destroys every connection. */
  async close(): Promise<void> {
    this.stalled = false;
    for (const pair of this.pairs) {
      pair.closed = true;
      pair.client.destroy();
      pair.upstream?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(client: net.Socket): void {
    this.accepted += 1;
    const pair: Pair = { client, pendingClose: false, closed: false };
    this.pairs.add(pair);
    client.setNoDelay(true);
    client.on('error', () => this.sideClosed(pair));
    client.on('close', () => this.sideClosed(pair));
    if (this.stalled) {
      this.acceptedWhileStalled += 1;
      return;
    }
    this.connectUpstream(pair);
  }

  private connectUpstream(pair: Pair): void {
    if (pair.closed) return;
    if (pair.client.destroyed || pair.pendingClose) {
      this.closePair(pair);
      return;
    }
    const upstream = net.connect({ host: this.target.host, port: this.target.port });
    pair.upstream = upstream;
    upstream.setNoDelay(true);
    upstream.on('error', () => this.sideClosed(pair));
    upstream.on('close', () => this.sideClosed(pair));
    upstream.on('connect', () => {
      this.forward(pair, pair.client, upstream, 'up');
      this.forward(pair, upstream, pair.client, 'down');
      if (this.stalled) {
        pair.client.pause();
        upstream.pause();
      } else {
        pair.client.resume();
      }
    });
  }

  /** Copies `from` to `to` with backpressure; a stall pauses `from`, so its bytes wait in the kernel. */
  private forward(pair: Pair, from: net.Socket, to: net.Socket, direction: 'up' | 'down'): void {
    from.on('data', (chunk: Buffer) => {
      if (pair.closed) return;
      if (direction === 'up') this.bytesUp += chunk.length;
      else this.bytesDown += chunk.length;
      if (!to.write(chunk)) from.pause();
      if (this.stalled) from.pause();
    });
    to.on('drain', () => {
      if (!this.stalled && !pair.closed) from.resume();
    });
    from.on('end', () => {
      if (this.stalled) pair.pendingClose = true;
      else to.end();
    });
  }

  private sideClosed(pair: Pair): void {
    if (pair.closed) return;
    if (this.stalled) {
      pair.pendingClose = true;
      return;
    }
    this.closePair(pair);
  }

  private closePair(pair: Pair): void {
    if (pair.closed) return;
    pair.closed = true;
    this.pairs.delete(pair);
    // Whatever one side still had buffered is flushed before the other side sees the end.
    pair.client.end();
    pair.upstream?.end();
    setTimeout(() => {
      pair.client.destroy();
      pair.upstream?.destroy();
    }, 1_000).unref();
  }
}
