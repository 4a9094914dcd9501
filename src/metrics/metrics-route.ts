import { type FastifyInstance } from 'fastify';
import { type Metrics } from './metrics.js';

export const METRICS_PATH = '/metrics';

/**
 * `GET /metrics` as a plain Fastify route of the main port: it is for operators, so it stays out
 * of the API's OpenAPI document, which lists only the Nest controllers.
 */
export function registerMetricsRoute(fastify: FastifyInstance, path: string, metrics: Metrics) {
  fastify.get(path, async (_request, reply) => {
    void reply.type(metrics.contentType);
    return metrics.render();
  });
}
