import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger as PinoLogger } from 'nestjs-pino';
import { AmqpServer } from '@app/amqp-transport';
import { AppModule } from './app.module';
import { answerClientErrors, useCors, useJsonBody, useSecurityHeaders } from './common/http';
import { checkEngineConfig, ConfigError, loadConfig, webSocketUrls } from './config';
import { setupSwagger } from './swagger';
import { serveWebApp } from './web-app/web-app';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig();
    checkEngineConfig(config);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`messaging-engine: ${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }

  // bodyParser: false: useJsonBody puts the admin API's own JSON parser and limits in its place.
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config), {
    bufferLogs: true,
    abortOnError: false,
    bodyParser: false,
  });
  useSecurityHeaders(app, webSocketUrls(config.broker.mqttUrls));
  serveWebApp(app);
  useJsonBody(app, config.http.bodyLimitBytes);
  answerClientErrors(app.getHttpServer());
  app.useLogger(app.get(PinoLogger));
  const logger = new Logger('Main');
  useCors(app, config.http.corsOrigins);
  if (config.http.swagger) setupSwagger(app);

  const server = app.get(AmqpServer);
  app.connectMicroservice<MicroserviceOptions>({ strategy: server }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(config.http.port, config.http.host);
  logger.log({ host: config.http.host, port: config.http.port }, 'messaging-engine started');

  // Graceful shutdown: stop consuming and finish in-flight messages first (database and
  // publisher still open), then close the rest of the app.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ signal }, 'shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs + 5000);
    force.unref();
    try {
      await server.close();
      await app.close();
      logger.log({ signal }, 'stopped');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

void bootstrap().catch((err) => {
  process.stderr.write(`messaging-engine: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
