import { type LoggerService, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { type FastifyReply, LogController } from 'fastify';
import { AppModule } from './app.module.js';
import { DOCS_PATH, serveOpenApi } from './openapi/openapi-document.js';
import { DOWNLOADED_PATH } from './sessions/downloaded.controller.js';
import { SESSIONS_PATH } from './sessions/sessions.controller.js';
import { registerJsonBodyParsing } from './common/http/body-parsing.js';
import { clientErrorHandler } from './common/http/client-error-handler.js';
import { ConnectionDraining } from './common/http/connection-draining.js';
import { registerErrorFormat, sendErrorEnvelope } from './common/http/error-reply.js';
import { registerForwardedForWarning } from './common/http/forwarded-for-warning.js';
import { registerMethodNotAllowed } from './common/http/method-not-allowed.js';
import { registerRateLimit } from './common/http/rate-limit.js';
import { requestIdFor } from './common/http/request-id.js';
import { registerCommonHeaders, registerCorsPolicy } from './common/http/response-headers.js';
import { edgeCorsHeaders } from './edge/edge-cors.js';
import { sendEdgeProblem } from './edge/edge-problem.js';
import { EDGE_MAX_JSON_DEPTH, edgeRoutes } from './edge/edge-routes.js';
import { registerAccessLog } from './common/logging/access-log.js';
import { PinoLogger, createPino } from './common/logging/pino-logger.js';
import { type AppConfig, type TrustProxy } from './config/app-config.js';

export interface CreateAppOptions {
  /** Replaces the JSON logger (tests read what was logged). */
  readonly logger?: LoggerService;
  /** Wires modules and routes without instantiating providers (no database): for tooling. */
  readonly preview?: boolean;
  /** Further modules to load beside the service's own (extensions, tests). */
  readonly imports?: ModuleMetadata['imports'];
}

/** Fastify's form of TRUST_PROXY: a hop count becomes "trust the nearest n hops". */
function trustedProxies(
  trust: TrustProxy,
): boolean | string[] | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return trust === false ? false : [...trust];
}

/** How each app stops without resetting a request (see `stopApp`). */
const drainers = new WeakMap<NestFastifyApplication, ConnectionDraining>();

/** Builds the whole service; `main.ts` and the e2e tests start the same thing. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const pino = createPino(config.logLevel);
  const edge = edgeRoutes(config.edgeBasePath);
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: trustedProxies(config.trustProxy),
    genReqId: requestIdFor,
    requestIdHeader: false,
    loggerInstance: pino.child({ context: 'HTTP' }),
    // Per-request lines come from the access log, at debug level only.
    logController: new LogController({
      requestIdLogLabel: 'requestId',
      disableRequestLogging: true,
    }),
    // Slow clients: the headers, the whole request and idle keep-alive connections are timed; the
    // check runs every second so a slow-loris client is cut off close to its deadline.
    http: {
      headersTimeout: config.httpHeadersTimeoutMs,
      connectionsCheckingInterval: 1_000,
    },
    requestTimeout: config.httpRequestTimeoutMs,
    clientErrorHandler,
    // Long path segments reach the routes, which answer them (an overlong sid is unknown: 404).
    routerOptions: { maxParamLength: 1_000 },
    // A URL Fastify cannot decode is answered like every other client error (contract C6).
    frameworkErrors: (_error: Error, _request: unknown, reply: FastifyReply) =>
      void sendErrorEnvelope(reply, { statusCode: 400, message: 'The URL is not valid.' }),
    keepAliveTimeout: config.httpKeepAliveTimeoutMs,
    // A location hint in an Edge path is accepted and ignored (contract C10).
    rewriteUrl: (request: { url?: string }) => edge.withoutLocationHint(request.url ?? '/'),
  });
  const fastify = adapter.getInstance();
  registerRateLimit(fastify, {
    ratePerSecond: config.rateLimitPerSecond,
    burst: config.rateLimitBurst,
    sessionStarts: {
      ratePerSecond: config.sessionStartsPerSecond,
      burst: config.sessionStartsBurst,
      paths: [SESSIONS_PATH, DOWNLOADED_PATH, ...edge.sessionStarts],
    },
  });
  if (config.trustProxy === false) registerForwardedForWarning(fastify);
  registerCommonHeaders(fastify, DOCS_PATH);
  registerCorsPolicy(fastify, edge.prefix, edgeCorsHeaders);
  registerErrorFormat(fastify, edge.prefix, sendEdgeProblem);
  registerMethodNotAllowed(fastify);
  registerJsonBodyParsing(
    fastify,
    config.bodyLimitBytes,
    {
      [DOWNLOADED_PATH]: { limit: config.downloadedBodyLimitBytes },
      [SESSIONS_PATH]: { limit: config.downloadedBodyLimitBytes, arraysOnly: true },
      [edge.downloaded]: { limit: config.downloadedBodyLimitBytes },
    },
    { prefix: edge.prefix, maxDepth: EDGE_MAX_JSON_DEPTH },
  );
  registerAccessLog(fastify, pino);
  const draining = new ConnectionDraining(fastify);
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.imports),
    adapter,
    {
      bodyParser: false,
      logger: options.logger ?? new PinoLogger(pino),
      abortOnError: false,
      preview: options.preview ?? false,
    },
  );
  drainers.set(app, draining);
  serveOpenApi(app);
  return app;
}

/**
 * Stops as ops expect on SIGTERM: no new connections, every request already sent answered (each
 * answer closing its connection), then everything accepted written and the pool closed.
 */
export async function stopApp(app: NestFastifyApplication, graceMs: number): Promise<void> {
  await drainers.get(app)?.drain(app.getHttpServer(), graceMs);
  await app.close();
}
