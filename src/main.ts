import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { createApp, stopApp } from './app.factory.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { listeningOn } from './config/listen-address.js';
import { NoEmbeddedPostgres } from './database/postgres-binaries.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createApp(config);
  await app.listen(config.port, config.host);
  const logger = new Logger('Main');
  logger.log(
    `listening on ${listeningOn(config.host, config.port)}, ready in ${Math.round(performance.now())} ms`,
  );

  // Nest's own signal hooks re-raise the signal after closing, so the exit status would say
  // "killed". A requested stop that completes cleanly exits 0.
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal} received, stopping`);
    stopApp(app, config.shutdownGraceMs).then(
      () => {
        logger.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error(`stop failed: ${String(error)}`);
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  const text =
    error instanceof ConfigError || error instanceof NoEmbeddedPostgres
      ? error.message
      : `start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`;
  process.stderr.write(`${text}\n`);
  process.exit(1);
});
