import Fastify, { type FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import {
  HttpMetrics,
  UNMATCHED_ROUTE,
  registerHttpMetrics,
} from '../../src/metrics/http-metrics.js';
import { parseSamples } from '../support/prometheus-text.js';

const SID = '0123456789abcdef'.repeat(4);

describe('HTTP request metrics', () => {
  let fastify: FastifyInstance | undefined;
  afterEach(async () => {
    await fastify?.close();
  });

  /** A bare Fastify whose routes are declared before the hook is added, as Nest does. */
  async function server(registry: Registry): Promise<FastifyInstance> {
    const app = Fastify();
    app.post('/api/v1/sessions/:sid/events', async (_request, reply) => reply.code(204).send());
    app.post('/api/v1/sessions', async (_request, reply) => reply.code(400).send({ bad: true }));
    registerHttpMetrics(app, new HttpMetrics(registry));
    await app.ready();
    fastify = app;
    return app;
  }

  const count = (text: string, labels: Record<string, string>) =>
    parseSamples(text).find(
      (s) =>
        s.name === 'mca_http_requests_total' &&
        Object.entries(labels).every(([key, value]) => s.labels[key] === value),
    )?.value;

  it('counts by route template, method and status; unmatched URLs share one label', async () => {
    const registry = new Registry();
    const app = await server(registry);
    for (const ts of [1, 2]) {
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/sessions/${SID}/events?ts=${ts}`,
      });
      expect(res.statusCode).toBe(204);
    }
    await app.inject({ method: 'POST', url: '/api/v1/sessions', payload: {} });
    await app.inject({ method: 'GET', url: `/anything/${SID}` });
    await app.inject({ method: 'DELETE', url: '/player/strings/here' });
    const text = await registry.metrics();

    const events = { method: 'POST', route: '/api/v1/sessions/:sid/events', status: '204' };
    expect(count(text, events)).toBe(2);
    expect(count(text, { method: 'POST', route: '/api/v1/sessions', status: '400' })).toBe(1);
    expect(count(text, { method: 'GET', route: UNMATCHED_ROUTE, status: '404' })).toBe(1);
    expect(count(text, { method: 'DELETE', route: UNMATCHED_ROUTE, status: '404' })).toBe(1);
    expect(text).not.toContain(SID);
    expect(text).not.toContain('player');
    const durations = parseSamples(text).filter(
      (s) =>
        s.name === 'mca_http_request_duration_seconds_count' &&
        s.labels.route === '/api/v1/sessions/:sid/events',
    );
    expect(durations).toEqual([
      { name: durations[0]?.name, labels: { method: 'POST', route: events.route }, value: 2 },
    ]);
  });

  it('record() keeps one series per method, route and status', async () => {
    const registry = new Registry();
    const metrics = new HttpMetrics(registry);
    metrics.record('GET', '/health', 200, 0.0004);
    metrics.record('GET', '/health', 200, 0.002);
    metrics.record('GET', '/health', 503, 1.2);
    metrics.record('HEAD', '/health', 200, 0.0001);
    const samples = parseSamples(await registry.metrics());
    const counts = samples
      .filter((s) => s.name === 'mca_http_requests_total')
      .map((s) => [s.labels.method, s.labels.status, s.value]);
    expect(counts).toEqual([
      ['GET', '200', 2],
      ['GET', '503', 1],
      ['HEAD', '200', 1],
    ]);
    const bucket = (le: string) =>
      samples.find(
        (s) =>
          s.name === 'mca_http_request_duration_seconds_bucket' &&
          s.labels.method === 'GET' &&
          s.labels.le === le,
      )?.value;
    expect([bucket('0.001'), bucket('0.0025'), bucket('1'), bucket('2.5'), bucket('+Inf')]).toEqual(
      [1, 2, 2, 3, 3],
    );
  });
});
