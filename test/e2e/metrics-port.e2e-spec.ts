import { createServer, type Server } from 'node:net';
import { describe, expect, inject, it } from 'vitest';
import { createApp } from '../../src/app.factory.js';
import { loadConfig } from '../../src/config/app-config.js';
import { MetricsPort } from '../../src/metrics/metrics-port.js';
import { request } from '../support/http.js';
import { startSession } from '../support/lifecycle.js';
import { Scrape } from '../support/prometheus-text.js';
import { RecordingLogger, startTestApp, useTestApp } from '../support/test-app.js';

const SESSIONS = '/api/v1/sessions';

/** The origin `/metrics` is served on apart from the main port. */
function metricsOrigin(app: { get: (type: typeof MetricsPort) => MetricsPort }): string {
  const url = app.get(MetricsPort).url();
  expect(url).toBeDefined();
  return new URL(url!).origin;
}

describe('C8: METRICS_PORT serves /metrics apart from the main port', () => {
  const sut = useTestApp({ METRICS_PORT: '0', HOST: '127.0.0.1' });

  it('C8: /metrics answers on the metrics port, bound to HOST, on the port it logged', async () => {
    const port = sut.app.get(MetricsPort).address();
    expect(port?.host).toBe('127.0.0.1');
    expect(port?.port).toBeGreaterThan(0);
    expect(port?.port).not.toBe(Number(new URL(sut.baseUrl).port));
    const logged = sut.logger.lines.map((line) => String(line.message));
    expect(logged).toContain(`metrics on http://127.0.0.1:${port?.port}/metrics`);

    const res = await request(metricsOrigin(sut.app), 'GET', '/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(res.text).toContain('# TYPE mca_http_requests_total counter');
    expect(res.text).toContain('# TYPE mca_sessions_open gauge');
    expect(res.text).toContain('# TYPE mca_db_gauges_age_seconds gauge');
    expect(res.text).toContain('# TYPE process_cpu_seconds_total counter');
  });

  it('C8: the main port answers /metrics 404 like any unknown path, whatever the method', async () => {
    for (const method of ['GET', 'HEAD', 'POST']) {
      const res = await request(sut.baseUrl, method, '/metrics');
      expect(res.status, method).toBe(404);
      expect(res.headers.get('allow'), method).toBeNull();
    }
    const res = await request(sut.baseUrl, 'GET', '/metrics');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.json()).toMatchObject({ statusCode: 404 });
  });

  it('C6: what the main port answers is counted in the metrics port exposition', async () => {
    const origin = metricsOrigin(sut.app);
    const before = await Scrape.of(origin);
    await startSession(sut.baseUrl);
    await request(sut.baseUrl, 'GET', '/metrics');
    const after = await Scrape.of(origin);
    const requests = (method: string, route: string, status: string) =>
      after.growth(before, 'mca_http_requests_total', { method, route, status });
    expect(requests('POST', SESSIONS, '201')).toBe(1);
    expect(requests('GET', 'unmatched', '404')).toBe(1);
    expect(after.growth(before, 'mca_sessions_started_total')).toBe(1);
  });

  it('C8: the metrics port serves /metrics only: other paths 404, other methods 405 with Allow', async () => {
    const origin = metricsOrigin(sut.app);
    for (const path of ['/', '/health', '/api/v1/sessions', '/metrics/x']) {
      expect((await request(origin, 'GET', path)).status, path).toBe(404);
    }
    const post = await request(origin, 'POST', '/metrics');
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await request(origin, 'HEAD', '/metrics');
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect((await request(origin, 'GET', '/metrics?x=1')).status).toBe(200);
  });
});

describe('C8: the metrics port opens and closes with the service', () => {
  it('C8: closing the app closes the metrics port', async () => {
    const app = await startTestApp({ METRICS_PORT: '0', HOST: '127.0.0.1' });
    const origin = metricsOrigin(app.app);
    expect((await request(origin, 'GET', '/metrics')).status).toBe(200);
    await app.close();
    await expect(fetch(`${origin}/metrics`)).rejects.toThrow();
    expect(app.app.get(MetricsPort).url()).toBeUndefined();
  });

  it('C8: a METRICS_PORT already in use stops the start', async () => {
    const taken: Server = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const address = taken.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const config = loadConfig({
      DATABASE_URL: inject('databaseUrl'),
      HOST: '127.0.0.1',
      METRICS_PORT: String(port),
      LOG_LEVEL: 'warn',
    });
    const app = await createApp(config, { logger: new RecordingLogger() });
    try {
      await expect(app.listen(0, '127.0.0.1')).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await app.close();
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('C8: without METRICS_PORT, /metrics stays on the main port and no other port opens', async () => {
    const app = await startTestApp();
    try {
      expect(app.app.get(MetricsPort).address()).toBeUndefined();
      expect((await request(app.baseUrl, 'GET', '/metrics')).status).toBe(200);
    } finally {
      await app.close();
    }
  });
});
