import { type AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type BeforeApplicationShutdown,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { METRICS_PATH } from './metrics-route.js';
import { Metrics } from './metrics.js';

/**
 * `/metrics` on METRICS_PORT, apart from the public port, so a firewall can keep it to the
 * monitoring network. A plain node:http server: it serves one path and nothing of the API's
 * stack (rate limit, CORS, request ids) applies to it. Opened when the app starts, before the main
 * port takes requests, so a port already in use stops the start; closed at shutdown.
 */
@Injectable()
export class MetricsPort implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;

  constructor(
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.metricsPort;
    if (port === undefined) return;
    const server = createServer((request, response) => this.answer(request, response));
    server.headersTimeout = this.config.httpHeadersTimeoutMs;
    server.requestTimeout = this.config.httpRequestTimeoutMs;
    server.keepAliveTimeout = this.config.httpKeepAliveTimeoutMs;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.logger.log(`metrics on ${this.url()}`);
  }

  async beforeApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    // Scrapers retry on their next interval; nothing is lost by cutting their connections.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  /** Where `/metrics` is served apart from the main port (with METRICS_PORT 0, the port picked). */
  address(): { host: string; port: number } | undefined {
    const address = this.server?.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : undefined;
  }

  /** The URL of `/metrics` on the metrics port; undefined when METRICS_PORT is unset. */
  url(): string | undefined {
    const address = this.address();
    if (!address) return undefined;
    const host = address.host.includes(':') ? `[${address.host}]` : address.host;
    return `http://${host}:${address.port}${METRICS_PATH}`;
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    request.resume();
    const path = (request.url ?? '').split('?', 1)[0];
    if (path !== METRICS_PATH) return plain(response, 404, 'Not found.');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('allow', 'GET, HEAD');
      return plain(response, 405, 'Method not allowed.');
    }
    this.metrics.render().then(
      (text) => {
        response.writeHead(200, {
          'content-type': this.metrics.contentType,
          'cache-control': 'no-store',
        });
        response.end(request.method === 'HEAD' ? undefined : text);
      },
      (error: unknown) => {
        this.logger.error(`metrics not rendered: ${String(error)}`);
        plain(response, 500, 'Internal server error.');
      },
    );
  }
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(`${text}\n`);
}
