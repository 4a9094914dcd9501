import http from 'node:http';
import {
  type Acknowledged,
  type RequestRecord,
  loadBody,
  settleOnce,
  startRecord,
} from './fault-load.js';

/**
 * Players that do not wait for an answer: each of `players` open sessions gets a ping every
 * `everyMs`, whether or not its earlier pings were answered, and a ping still unanswered after
 * `giveUpMs` is abandoned (its connection closed), as a player's beacon with a request timeout
 * does. Against a silent database this is the load that piles work up in a service without
 * bounds; the closed-loop LoadDriver keeps one request per worker in flight and cannot.
 * Outcomes are recorded as the LoadDriver's are, acknowledged pings kept for `verifyStored`.
 */

export interface ImpatientOptions {
  readonly baseUrl: string;
  readonly players: number;
  readonly everyMs: number;
  readonly giveUpMs: number;
  /**
   * Characters of diagnostics each ping carries in an extra `params` member (the contract stores
   * unknown params): what a pending ping costs a service that keeps it.
   */
  readonly paddingChars: number;
}

const PADDING = '0123456789abcdef';
const SESSION_PATH = /^\/api\/v1\/sessions\/([0-9a-f]{64})$/;

export class ImpatientPlayers {
  readonly records: RequestRecord[] = [];
  readonly acked: Acknowledged = { sessions: [], events: [] };
  private readonly agent = new http.Agent({ keepAlive: true });
  private readonly target: { host: string; port: number };
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly inFlight = new Set<Promise<RequestRecord>>();
  private nextTs = Date.now();

  private constructor(private readonly options: ImpatientOptions) {
    const url = new URL(options.baseUrl);
    this.target = { host: url.hostname, port: Number(url.port) };
  }

  /** Opens the players' sessions (every one must get its 201), then starts their pings. */
  static async start(options: ImpatientOptions): Promise<ImpatientPlayers> {
    const players = new ImpatientPlayers(options);
    const sids = await Promise.all(
      Array.from({ length: options.players }, () => players.openSession()),
    );
    sids.forEach((sid, index) => {
      const first = setTimeout(
        () => {
          players.ping(index + 1, sid);
          players.timers.push(setInterval(() => players.ping(index + 1, sid), options.everyMs));
        },
        (options.everyMs * index) / options.players,
      );
      players.timers.push(first);
    });
    return players;
  }

  /** Stops the pings and waits for those in flight (each ends by `giveUpMs`). */
  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.length = 0;
    await Promise.all([...this.inFlight]);
    this.agent.destroy();
  }

  /** The body of the ping sent with `ts`, so that a scenario can send it again as a retry. */
  pingBody(ts: number): Record<string, unknown> {
    return {
      ...loadBody('event', 'ping', ts),
      params: {
        'player.diagnostics': PADDING.repeat(Math.ceil(this.options.paddingChars / 16)).slice(
          0,
          this.options.paddingChars,
        ),
      },
    };
  }

  private async openSession(): Promise<string> {
    const record = await this.send(0, 'session', undefined);
    const match = SESSION_PATH.exec(String(record.headers?.location ?? ''));
    if (record.status !== 201 || !match?.[1]) {
      throw new Error(`a player's session did not start: ${record.status ?? record.error}`);
    }
    this.acked.sessions.push({ sid: match[1], ts: record.ts });
    return match[1];
  }

  private ping(player: number, sid: string): void {
    const sending = this.send(player, 'event', sid);
    this.inFlight.add(sending);
    void sending.then((record) => {
      this.inFlight.delete(sending);
      if (record.status === 204) {
        this.acked.events.push({ sid, eventType: 'ping', ts: record.ts });
      }
    });
  }

  private send(
    player: number,
    kind: 'session' | 'event',
    sid: string | undefined,
  ): Promise<RequestRecord> {
    this.nextTs += 1;
    const ts = this.nextTs;
    const eventType = kind === 'session' ? 'sessionStart' : 'ping';
    const payload = JSON.stringify(
      kind === 'session' ? loadBody(kind, eventType, ts) : this.pingBody(ts),
    );
    const record = startRecord(player, kind, sid, eventType, ts);
    this.records.push(record);
    return new Promise<RequestRecord>((resolve) => {
      const settle = settleOnce(record, resolve);
      const req = http.request(
        {
          ...this.target,
          agent: this.agent,
          method: 'POST',
          path: kind === 'session' ? '/api/v1/sessions' : `/api/v1/sessions/${sid}/events`,
          headers: {
            'content-type': 'application/json',
            'content-length': String(Buffer.byteLength(payload)),
          },
        },
        (res) => {
          record.responseStarted = true;
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error: NodeJS.ErrnoException) =>
            settle({ error: 'RESPONSE_CUT_SHORT', errorMessage: error.message }),
          );
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            const ok = status >= 200 && status < 300;
            settle({
              status,
              headers: ok
                ? { ...(res.headers.location ? { location: res.headers.location } : {}) }
                : res.headers,
              ...(ok ? {} : { body: Buffer.concat(chunks).toString('utf8') }),
            });
          });
        },
      );
      req.on('socket', (socket) => {
        record.reusedSocket = req.reusedSocket;
        if (!socket.connecting) record.connected = true;
        else socket.once('connect', () => (record.connected = true));
      });
      req.setTimeout(this.options.giveUpMs, () =>
        req.destroy(Object.assign(new Error('given up'), { code: 'CLIENT_TIMEOUT' })),
      );
      req.on('error', (error: NodeJS.ErrnoException) =>
        settle({
          error: record.responseStarted ? 'RESPONSE_CUT_SHORT' : (error.code ?? error.message),
          errorMessage: error.message,
        }),
      );
      req.end(payload);
    });
  }
}
