import { Logger as NestLogger, type INestApplication, type Type } from '@nestjs/common';
import { ModuleRef, NestFactory } from '@nestjs/core';
import type { MicroserviceOptions } from '@nestjs/microservices';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';
import { InboxTransport } from '@remit/messaging';
import { loadConfig, REMIT_CONFIG, type RemitConfig } from './config/remit-config';
import { bodyParserErrorToAppError } from './errors/error-response';
import { HttpMetrics } from './metrics/http-metrics';
import { SERVICE_NAME, type ServiceName } from './tokens';

/** JSON bodies: payment requests are small. */
export const JSON_BODY_LIMIT = '1mb';
/** text/plain bodies: settlement accepts whole NACHA return files. */
export const TEXT_BODY_LIMIT = '5mb';

/** The configured HTTP port of a service (`INTAKE_PORT`, `INVOICE_PORT`, …). */
export function servicePort(config: Pick<RemitConfig, 'ports'>, service: ServiceName): number {
  switch (service) {
    case 'payment-intake':
      return config.ports.intake;
    case 'invoice':
      return config.ports.invoice;
    case 'settlement':
      return config.ports.settlement;
    case 'notification':
      return config.ports.notification;
  }
}

function serviceNameOf(app: INestApplication, fallback: string): string {
  try {
    return app.get<string>(SERVICE_NAME);
  } catch {
    return fallback;
  }
}

/** Whether `/docs` is served: only when the configuration says so, and never without one. */
function docsEnabled(app: INestApplication): boolean {
  try {
    return app.get<RemitConfig>(REMIT_CONFIG).docsEnabled;
  } catch {
    return false;
  }
}

/**
 * The service's Kafka handlers (`@EventPattern` methods of its `@KafkaConsumer` controllers) as a
 * microservice of the HTTP application: one process serves HTTP and consumes Kafka, through
 * MessagingModule's `InboxTransport`. It does not inherit the HTTP app's global guard and error
 * envelope, which mean nothing to an event. Nothing to connect without MessagingModule.
 */
function connectKafkaHandlers(app: NestExpressApplication): void {
  let transport: InboxTransport;
  try {
    // Through ModuleRef: the application's own `get` logs a missing provider, and exits the process
    // under `abortOnError`.
    transport = app.get(ModuleRef).get(InboxTransport, { strict: false });
  } catch {
    return;
  }
  app.connectMicroservice<MicroserviceOptions>({ strategy: transport });
}

/**
 * `remit_http_request_duration_seconds`, installed before every other middleware so that it sees
 * each request whole (body parsing and auth failures included). Nothing without PlatformModule.
 */
function measureHttp(app: NestExpressApplication): void {
  let metrics: HttpMetrics;
  try {
    metrics = app.get(ModuleRef).get(HttpMetrics, { strict: false });
  } catch {
    return;
  }
  app.use(metrics.middleware);
}

/** The global setup shared by a running service and its tests: logger, metrics, body parsers, OpenAPI, Kafka handlers. */
function configure(app: NestExpressApplication, service: string): void {
  app.useLogger(app.get(Logger));
  connectKafkaHandlers(app);
  app.disable('x-powered-by');
  measureHttp(app);
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.useBodyParser('text', { limit: TEXT_BODY_LIMIT });
  // Right after the parsers, so that their errors reach the filter as AppErrors (see bodyParserErrorToAppError).
  app.use((error: unknown, _request: Request, _response: Response, next: NextFunction) =>
    next(bodyParserErrorToAppError(error) ?? error),
  );
  // OpenAPI at /docs (and /docs-json) where DOCS_ENABLED allows it: by default under development and
  // test, not in production, where the map of every route would help an attacker more than a client.
  // Swagger's routes are not Nest controllers: the auth guard does not apply, so the documentation
  // is public wherever it is served.
  if (!docsEnabled(app)) return;
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(`Remit ${service}`)
      .setDescription(`The ${service} service of Remit. Authenticate with \`Authorization: Bearer <JWT>\`.`)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document);
}

/**
 * Starts a service (its `main.ts`): logs through pino from the first line, parses JSON up to 1 MB
 * and text/plain up to 5 MB, serves OpenAPI at /docs when `docsEnabled`, closes cleanly on
 * SIGTERM/SIGINT, listens on 0.0.0.0 at the configured port unless `port` is given, then starts its
 * Kafka consumers (they join their groups in the background: a broker outage does not stop the
 * start; a handler the transport cannot serve does).
 */
export async function bootstrapService(
  module: Type<unknown>,
  options: { service: ServiceName; port?: number },
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
  configure(app, options.service);
  app.enableShutdownHooks();
  const port = options.port ?? servicePort(loadConfig(), options.service);
  await app.listen(port, '0.0.0.0');
  await app.startAllMicroservices();
  const address = app.getHttpServer().address() as AddressInfo;
  new NestLogger('Bootstrap').log(`${options.service} listening on http://127.0.0.1:${address.port}`);
  return app;
}

/**
 * The same application on an ephemeral port of 127.0.0.1, for integration and end-to-end tests.
 * Unlike `bootstrapService` it neither exits the process on a start-up error (it throws) nor hooks
 * process signals; close it with `app.close()`.
 */
export async function createTestingApp(
  module: Type<unknown>,
): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bufferLogs: true,
    abortOnError: false,
  });
  try {
    configure(app, serviceNameOf(app, module.name));
    await app.listen(0, '127.0.0.1');
    await app.startAllMicroservices();
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const address = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${address.port}` };
}
