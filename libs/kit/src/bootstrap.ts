import type { INestApplication, Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { AddressInfo } from 'node:net';
import { Logger } from 'nestjs-pino';

async function createApp(module: Type<unknown>, service: string): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.useBodyParser('json', { limit: '1mb' });
  // Settlement takes NACHA return files as text/plain.
  app.useBodyParser('text', { limit: '5mb' });
  app.enableShutdownHooks();
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder().setTitle(`Remit ${service}`).setVersion('1').addBearerAuth().build(),
  );
  SwaggerModule.setup('docs', app, document);
  return app;
}

/** Starts a service on its port (main.ts of each app). */
export async function bootstrapService(
  module: Type<unknown>,
  options: { service: string; port: number },
): Promise<INestApplication> {
  const app = await createApp(module, options.service);
  await app.listen(options.port, '0.0.0.0');
  app.get(Logger).log(`${options.service} listening on http://127.0.0.1:${options.port}`);
  return app;
}

/** The same application on an ephemeral port, for integration and end-to-end tests. */
export async function createTestingApp(
  module: Type<unknown>,
  service = module.name,
): Promise<{ app: INestApplication; url: string }> {
  const app = await createApp(module, service);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${address.port}` };
}
