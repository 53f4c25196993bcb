import {
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD, DiscoveryModule } from '@nestjs/core';
import type { Registry } from 'prom-client';
import { TypeOrmModule } from '@nestjs/typeorm';
import IORedis from 'ioredis';
import type Redis from 'ioredis';
import { LoggerModule } from 'nestjs-pino';
import { AuthGuard } from './auth/auth.guard';
import { Clock } from './clock/clock';
import { PlatformClock } from './clock/platform-clock';
import { TestClockController } from './clock/test-clock.controller';
import { loadConfig, REMIT_CONFIG, type RemitConfig } from './config/remit-config';
import { buildDataSourceOptions, type ServiceDatabase } from './database/data-source-options';
import { runServiceMigrations } from './database/run-migrations';
import { ErrorEnvelopeFilter } from './errors/error-envelope.filter';
import { HEALTH_DETAILS, HealthDetailsRegistry } from './health/health-details';
import { HttpMetrics } from './metrics/http-metrics';
import { createMetricsRegistry } from './metrics/metrics';
import { QueueDiscovery, QueueMetricsRegistry } from './metrics/queue-metrics';
import { METRICS_REGISTRY, MetricsController } from './metrics/metrics.controller';
import { HealthChecker } from './health/health.checker';
import { HealthController } from './health/health.controller';
import { loggerParams } from './logging/logger-params';
import { REDIS, sharedRedisOptions, untilFirstConnectAttempt } from './redis/redis';
import { SERVICE_NAME, type ServiceName } from './tokens';

export interface PlatformOptions extends ServiceDatabase {
  service: ServiceName;
  /** Defaults to `loadConfig()` of the process environment; tests may pass their own. */
  config?: RemitConfig;
}

/** Quits the shared Redis connection last, after every module has stopped using it. */
@Injectable()
class RedisLifecycle implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis.status === 'end') return;
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/** How long a starting service waits for Redis's first answer before it starts without it. */
const REDIS_FIRST_CONNECT_TIMEOUT_MS = 5000;

function createRedis(config: RemitConfig, service: ServiceName): Redis {
  const logger = new Logger('Redis');
  const redis = new IORedis(sharedRedisOptions(config, `remit-${service}`));
  let lastError: string | undefined;
  // Without a listener ioredis prints every reconnect failure; log each distinct one once instead.
  redis.on('error', (error: Error) => {
    if (error.message === lastError) return;
    lastError = error.message;
    logger.warn(`redis connection error: ${error.message}`);
  });
  redis.on('ready', () => (lastError = undefined));
  return redis;
}

/** The configuration and service name, in a module of their own so that async module factories can inject them. */
@Module({})
class PlatformConfigModule {
  static forRoot(config: RemitConfig, service: ServiceName): DynamicModule {
    return {
      module: PlatformConfigModule,
      global: true,
      providers: [
        { provide: REMIT_CONFIG, useValue: config },
        { provide: SERVICE_NAME, useValue: service },
      ],
      exports: [REMIT_CONFIG, SERVICE_NAME],
    };
  }
}

/**
 * What every Remit service has (docs/architecture.md, libs/: persistence and observability setup, auth):
 * validated configuration (`REMIT_CONFIG`), pino logging, the TypeORM connection of its schema, a
 * shared Redis connection (`REDIS`), the platform `Clock`, JWT auth on every route (global guard),
 * the error envelope (global filter), `GET /health`, `/health/live` and `/health/ready` (with
 * `HealthDetailsRegistry`, alias `HEALTH_DETAILS`, for details of its own), `GET /metrics`
 * (`METRICS_REGISTRY`, with `HttpMetrics` and the job counts of every BullMQ queue provider,
 * `QueueMetricsRegistry`) and, only under `NODE_ENV=development` or `test`, `/v1/test/clock`.
 *
 * ```ts
 * @Module({ imports: [PlatformModule.forRoot({ service: 'invoice', schema: 'invoice', entities, migrations })] })
 * export class InvoiceModule {}
 * ```
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformOptions): DynamicModule {
    const config = options.config ?? loadConfig();
    const configModule = PlatformConfigModule.forRoot(config, options.service);
    return {
      module: PlatformModule,
      global: true,
      imports: [
        configModule,
        DiscoveryModule,
        LoggerModule.forRootAsync({
          imports: [configModule],
          inject: [REMIT_CONFIG],
          useFactory: (remitConfig: RemitConfig) => loggerParams(remitConfig, options.service),
        }),
        TypeOrmModule.forRootAsync({
          imports: [configModule],
          inject: [REMIT_CONFIG],
          useFactory: async (remitConfig: RemitConfig) => {
            // DB_MIGRATIONS_RUN: the migrations run first, on a connection of their own without the
            // requests' 30 s statement limit (runServiceMigrations); the app's pool never runs them.
            if (remitConfig.migrationsRun) await runServiceMigrations(remitConfig, options);
            return {
              ...buildDataSourceOptions({ ...remitConfig, migrationsRun: false }, options),
              retryAttempts: 5,
              retryDelay: 2000,
            };
          },
        }),
      ],
      // The test clock's routes exist only under development or test (elsewhere they answer 404).
      controllers: config.testClockEnabled
        ? [HealthController, MetricsController, TestClockController]
        : [HealthController, MetricsController],
      providers: [
        {
          provide: REDIS,
          inject: [REMIT_CONFIG],
          useFactory: async (c: RemitConfig) => {
            const redis = createRedis(c, options.service);
            await untilFirstConnectAttempt(redis, REDIS_FIRST_CONNECT_TIMEOUT_MS);
            return redis;
          },
        },
        RedisLifecycle,
        PlatformClock,
        { provide: Clock, useExisting: PlatformClock },
        HealthChecker,
        HealthDetailsRegistry,
        { provide: HEALTH_DETAILS, useExisting: HealthDetailsRegistry },
        {
          provide: METRICS_REGISTRY,
          inject: [HealthDetailsRegistry],
          useFactory: (details: HealthDetailsRegistry) => createMetricsRegistry(options.service, details),
        },
        {
          provide: HttpMetrics,
          inject: [METRICS_REGISTRY],
          useFactory: (registry: Registry) => new HttpMetrics(registry),
        },
        {
          provide: QueueMetricsRegistry,
          inject: [METRICS_REGISTRY],
          useFactory: (registry: Registry) => new QueueMetricsRegistry(registry),
        },
        QueueDiscovery,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorEnvelopeFilter },
      ],
      exports: [
        configModule,
        REDIS,
        Clock,
        PlatformClock,
        HealthChecker,
        HealthDetailsRegistry,
        HEALTH_DETAILS,
        METRICS_REGISTRY,
        HttpMetrics,
        QueueMetricsRegistry,
      ],
    };
  }
}
