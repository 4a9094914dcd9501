import { ConsoleLogger, type LoggerService, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { serveOpenApi } from './openapi/openapi-document.js';
import { DOWNLOADED_PATH } from './sessions/downloaded.controller.js';
import { registerJsonBodyParsing } from './common/http/body-parsing.js';
import { requestIdFor } from './common/http/request-id.js';
import { type AppConfig, LOG_LEVELS } from './config/app-config.js';

export interface CreateAppOptions {
  /** Replaces the JSON console logger (tests read what was logged). */
  readonly logger?: LoggerService;
  /** Wires modules and routes without instantiating providers (no database): for tooling. */
  readonly preview?: boolean;
  /** Further modules to load beside the service's own (extensions, tests). */
  readonly imports?: ModuleMetadata['imports'];
}

/** Builds the whole service; `main.ts` and the e2e tests start the same thing. */
export async function createApp(
  config: AppConfig,
  options: CreateAppOptions = {},
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: config.bodyLimitBytes,
    trustProxy: config.trustProxy,
    genReqId: requestIdFor,
    requestIdHeader: false,
    logger: false,
  });
  registerJsonBodyParsing(adapter.getInstance(), {
    [DOWNLOADED_PATH]: config.downloadedBodyLimitBytes,
  });
  const logger =
    options.logger ??
    new ConsoleLogger({
      json: true,
      logLevels: LOG_LEVELS.slice(0, LOG_LEVELS.indexOf(config.logLevel) + 1),
    });
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, options.imports),
    adapter,
    {
      bodyParser: false,
      logger,
      abortOnError: false,
      preview: options.preview ?? false,
    },
  );
  serveOpenApi(app);
  return app;
}
