import { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { JsonLogger } from '@gridex/observability';
import { BaseConfig, InvalidConfigurationError } from '../config/service-config';
import { provisionTopics } from './provision-topics';
import { SERVICE_CONFIG } from './service-tokens';

/**
 * Starts a service and owns its process: a configuration or start-up error prints one clear message and exits 1;
 * SIGTERM or SIGINT stops consuming, finishes in-flight work, flushes the outbox and exits 0 (1 if that takes
 * longer than SHUTDOWN_TIMEOUT_MS).
 */
export async function runService(service: string, appModule: Type<unknown>): Promise<INestApplication> {
  if (process.argv.includes('--provision-topics')) process.exit(await provisionTopics(service));
  let app: INestApplication;
  try {
    // No framework logger until ours is configured: a failed start prints one JSON line, not a stack dump.
    app = await NestFactory.create(appModule, { logger: false, abortOnError: false });
  } catch (error) {
    const message =
      error instanceof InvalidConfigurationError
        ? error.message
        : `${service}: failed to start: ${describe(error)}`;
    process.stderr.write(
      `${JSON.stringify({ level: 'fatal', service, time: new Date().toISOString(), msg: message })}\n`,
    );
    process.exit(1);
  }
  const logger = app.get(JsonLogger);
  app.useLogger(logger);
  const config = app.get<BaseConfig>(SERVICE_CONFIG);
  // Creating the application opened the database, which ran the pending migrations: that is all a
  // deployment's migration job (the Helm pre-install/pre-upgrade hook) asks for.
  if (process.argv.includes('--migrate-only')) {
    logger.log('schema migrated; exiting (--migrate-only)', 'Lifecycle');
    await app.close();
    process.exit(0);
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`received ${signal}`, 'Lifecycle');
    const deadline = setTimeout(() => {
      logger.error(`did not stop within ${config.SHUTDOWN_TIMEOUT_MS} ms; exiting`, undefined, 'Lifecycle');
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS);
    deadline.unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(`error while stopping: ${describe(error)}`, undefined, 'Lifecycle');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  await app.listen(config.PORT, config.HTTP_HOST);
  logger.log(`${service} listening on http://${config.HTTP_HOST}:${config.PORT}`, 'Lifecycle');
  return app;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
