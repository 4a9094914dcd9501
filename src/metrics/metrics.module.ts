import { Global, Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type FastifyInstance } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { registerHttpMetrics } from './http-metrics.js';
import { MetricsPort } from './metrics-port.js';
import { METRICS_PATH, registerMetricsRoute } from './metrics-route.js';
import { Metrics } from './metrics.js';

/**
 * `GET /metrics` and the `Metrics` every module may record into. `/metrics` is a route of the
 * main port unless METRICS_PORT is set, and then only of that port (`MetricsPort`): the main
 * port answers it 404 like any unknown path. Both are added here, while Nest initialises:
 * Fastify is not ready yet, so the route is accepted and the HTTP hook reaches every route.
 */
@Global()
@Module({
  providers: [Metrics, MetricsPort],
  exports: [Metrics],
})
export class MetricsModule implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify) return;
    registerHttpMetrics(fastify, this.metrics.http);
    if (this.config.metricsPort === undefined) {
      registerMetricsRoute(fastify, METRICS_PATH, this.metrics);
    }
  }
}
