import { type FastifyInstance } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';
import { SECONDS_BUCKETS } from './buckets.js';

/** The `route` label of a request no route matched: its URL is the client's and unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/** The series one method, route template and status count into. */
interface RouteSeries {
  readonly observe: (seconds: number) => void;
  readonly countByStatus: Map<number, () => void>;
}

/**
 * `mca_http_requests_total` and `mca_http_request_duration_seconds`. The label children are made
 * once per method, route template and status and kept, so recording a request builds no label
 * object or key: three map lookups, then prom-client's own increment and observation.
 */
export class HttpMetrics {
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly duration: Histogram<'method' | 'route'>;
  /** route template -> method -> series; bounded by the routes and the methods Node accepts. */
  private readonly series = new Map<string, Map<string, RouteSeries>>();

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: 'mca_http_requests_total',
      help: 'HTTP requests answered, by method, route template and status.',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'mca_http_request_duration_seconds',
      help: 'Time from the arrival of a request to the end of its answer, by method and route template.',
      labelNames: ['method', 'route'],
      buckets: SECONDS_BUCKETS,
      registers: [registry],
    });
  }

  /** `route` must be a route template (or UNMATCHED_ROUTE), never a client's URL. */
  record(method: string, route: string, status: number, seconds: number): void {
    const series = this.seriesOf(method, route);
    series.observe(seconds);
    let count = series.countByStatus.get(status);
    if (count === undefined) {
      const counter = this.requests.labels(method, route, String(status));
      count = () => counter.inc();
      series.countByStatus.set(status, count);
    }
    count();
  }

  private seriesOf(method: string, route: string): RouteSeries {
    let byMethod = this.series.get(route);
    if (byMethod === undefined) {
      byMethod = new Map();
      this.series.set(route, byMethod);
    }
    let series = byMethod.get(method);
    if (series === undefined) {
      const histogram = this.duration.labels(method, route);
      series = { observe: (seconds) => histogram.observe(seconds), countByStatus: new Map() };
      byMethod.set(method, series);
    }
    return series;
  }
}

/**
 * Records every answered request, whatever answered it (a route, the 404 handler, the rate limit,
 * the body parser). Hooks on the root instance reach every route as long as they are added before
 * Fastify is ready, which is why the metrics module can add this one while Nest initialises.
 */
export function registerHttpMetrics(fastify: FastifyInstance, metrics: HttpMetrics): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    // `routeOptions.url` is the template the router matched (`/api/v1/sessions/:sid/events`).
    const route = request.is404 ? UNMATCHED_ROUTE : (request.routeOptions.url ?? UNMATCHED_ROUTE);
    metrics.record(request.method, route, reply.statusCode, reply.elapsedTime / 1_000);
    done();
  });
}
