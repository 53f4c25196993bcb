import {
  Global,
  Inject,
  Injectable,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import IORedis from 'ioredis';
import type Redis from 'ioredis';
import { LoggerModule } from 'nestjs-pino';
import { AuthGuard } from './auth';
import { Clock, PlatformClock, TestClockController } from './clock';
import { loadConfig, REMIT_CONFIG } from './config';
import { buildDataSourceOptions, type ServiceDatabase } from './database';
import { HealthChecker, HealthController } from './health';
import { ErrorEnvelopeFilter } from './http';
import { loggerParams } from './logging';
import { REDIS } from './redis';
import { SERVICE_NAME } from './tokens';

export type ServiceName = 'invoice' | 'payment-intake' | 'settlement' | 'notification';

export interface PlatformOptions extends ServiceDatabase {
  service: ServiceName;
}

@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * What every service has (DESIGN.md, libs/): validated configuration, structured logs, its schema's
 * TypeORM connection, Redis, the platform clock, JWT auth, the error envelope, /health and the test clock.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const config = loadConfig();
    return {
      module: PlatformModule,
      global: true,
      imports: [
        LoggerModule.forRoot(loggerParams(config, options.service)),
        TypeOrmModule.forRoot(buildDataSourceOptions(config, options)),
      ],
      controllers: [HealthController, TestClockController],
      providers: [
        { provide: REMIT_CONFIG, useValue: config },
        { provide: SERVICE_NAME, useValue: options.service },
        { provide: REDIS, useFactory: () => new IORedis(config.redisUrl, { maxRetriesPerRequest: 3 }) },
        RedisLifecycle,
        PlatformClock,
        { provide: Clock, useExisting: PlatformClock },
        HealthChecker,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
      ],
      exports: [REMIT_CONFIG, SERVICE_NAME, REDIS, Clock, PlatformClock],
    };
  }
}
