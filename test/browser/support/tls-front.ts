import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** One request that reached the front, and what became of it. */
export interface Recorded {
  readonly host: string;
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
  /** What the service answered (the browser may have been given another answer, see `fault`). */
  status?: number;
  /** The service's answer body. */
  answer?: string;
  /** What the browser was given instead, if a fault was injected. */
  injected?: number;
}

/** An answer given to the browser in place of the service's (after the service took the request). */
export interface Injected {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

export interface Page {
  readonly type: string;
  readonly body: string | Buffer;
}

/**
 * What alloy needs in front of the service (contract C10): HTTPS on port 443 with a throwaway
 * self-signed certificate. Requests for the page hosts are answered with `pages`; requests for
 * the Edge hosts go to the service as they came (the TLS proxy ops would run), and each is
 * recorded. `fault` may replace the service's answer, after the service has taken the request,
 * as a proxy's 429 or 503 would look to the browser.
 */
export class TlsFront {
  readonly requests: Recorded[] = [];
  fault: ((request: Recorded) => Injected | undefined) | undefined;

  private constructor(
    private readonly server: https.Server,
    private readonly folder: string,
  ) {}

  static async start(options: {
    readonly service: string;
    readonly edgeHosts: readonly string[];
    readonly pageHosts: readonly string[];
    readonly pages: Readonly<Record<string, Page>>;
  }): Promise<TlsFront> {
    const folder = await mkdtemp(join(tmpdir(), 'mca-tls-'));
    const names = [...options.edgeHosts, ...options.pageHosts].map((h) => `DNS:${h}`).join(',');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=media-collection-api test',
      '-addext',
      `subjectAltName=${names}`,
      '-keyout',
      join(folder, 'key.pem'),
      '-out',
      join(folder, 'cert.pem'),
    ]);
    const target = new URL(options.service);
    const self: { front?: TlsFront } = {};
    const server = https.createServer(
      {
        key: await readFile(join(folder, 'key.pem')),
        cert: await readFile(join(folder, 'cert.pem')),
      },
      (req, res) => {
        const host = (req.headers.host ?? '').replace(/:\d+$/, '');
        if (options.pageHosts.includes(host)) {
          const page = options.pages[(req.url ?? '/').split('?')[0]];
          res.writeHead(page ? 200 : 404, { 'content-type': page?.type ?? 'text/plain' });
          res.end(page?.body ?? 'not found');
          return;
        }
        if (!options.edgeHosts.includes(host)) {
          res.writeHead(421).end();
          return;
        }
        const chunks: Buffer[] = [];
        req.on('data', (chunk: Buffer) => chunks.push(chunk));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          const recorded: Recorded = {
            host,
            method: req.method ?? 'GET',
            path: req.url ?? '/',
            headers: req.headers,
            body: body.toString('utf8'),
          };
          self.front!.requests.push(recorded);
          const upstream = http.request(
            {
              host: target.hostname,
              port: target.port,
              method: req.method,
              path: req.url,
              headers: { ...req.headers, 'x-forwarded-proto': 'https' },
            },
            (answer) => {
              const parts: Buffer[] = [];
              answer.on('data', (chunk: Buffer) => parts.push(chunk));
              answer.on('end', () => {
                recorded.status = answer.statusCode;
                recorded.answer = Buffer.concat(parts).toString('utf8');
                const injected = self.front!.fault?.(recorded);
                if (injected) {
                  recorded.injected = injected.status;
                  // The CORS headers stay the service's, so the browser can read the answer.
                  const cors = Object.fromEntries(
                    Object.entries(answer.headers).filter(([name]) =>
                      name.startsWith('access-control-'),
                    ),
                  );
                  res.writeHead(injected.status, { ...cors, vary: 'Origin', ...injected.headers });
                  res.end(injected.body ?? '');
                  return;
                }
                res.writeHead(answer.statusCode ?? 502, answer.headers);
                res.end(Buffer.concat(parts));
              });
            },
          );
          upstream.on('error', () => res.writeHead(502).end());
          upstream.end(body);
        });
      },
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(443, '127.0.0.1', () => resolve());
    });
    self.front = new TlsFront(server, folder);
    return self.front;
  }

  /** The Edge requests recorded for one session, by the sessionID in their body or the handle of the start. */
  forSession(sessionId: string): Recorded[] {
    return this.requests.filter((r) => r.body.includes(sessionId));
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await rm(this.folder, { recursive: true, force: true });
  }
}
