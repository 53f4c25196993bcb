import {
  Global,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type FactoryProvider,
  type ModuleMetadata,
  type OnApplicationBootstrap,
  type OnModuleInit,
  type Provider,
} from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Kafka, RetryOptions } from 'kafkajs';
import type { Registry } from 'prom-client';
import { DataSource } from 'typeorm';
import { prefixedName } from '../inbox-consumer';
import { createKafka } from '../kafka';
import { MessagingMetrics } from '../messaging-metrics';
import { notifyOutboxAfterCommit, Outbox } from '../outbox';
import { OutboxRelay, type OutboxBacklog } from '../outbox-relay';
import { InboxTransport } from './inbox-transport';
import { MessagingPurgeScheduler, type MessagingPurgeScheduleOptions } from './messaging-purge.scheduler';
import { nestMessagingLogger } from './nest-logger';
import { KAFKA, MESSAGING_METRICS, MESSAGING_OPTIONS } from './tokens';

export interface MessagingModuleOptions {
  /** CloudEvents `source` of the events this service publishes, e.g. 'remit/invoice'. */
  source: string;
  /** The service's Kafka client id, without the environment prefix (e.g. 'remit-invoice'). */
  clientId: string;
  brokers: string[];
  /** The Kafka client's connection and metadata retries (`CreateKafkaOptions.retry`); about a minute by default. */
  clientRetry?: RetryOptions;
  /**
   * The environment's prefix (`RemitConfig.kafkaGroupPrefix`: KAFKA_GROUP_PREFIX, `remit-<NODE_ENV>`).
   * Put in front of the client id and of every consumer group that `InboxTransport` runs
   * (`<prefix>.<groupId>`), so consumers keep their short names and `npm start` and `npm test` on
   * one broker never share a group. Without it the names are used as they are.
   */
  groupPrefix?: string;
  relay?: {
    /** false: no relay in this process (e.g. a tool that only consumes). Default true. */
    enabled?: boolean;
    batchSize?: number;
    pollIntervalMs?: number;
    /** `OutboxRelayOptions.lingerMs`: how long a woken relay waits for more rows (0, at once, by default). */
    lingerMs?: number;
    /** Failed attempts of one row before it is parked. */
    maxAttempts?: number;
    leaseMs?: number;
  };
  /** Set to purge old outbox and inbox rows from a daily BullMQ job scheduler (`messaging-purge`). */
  purge?: MessagingPurgeScheduleOptions;
  /**
   * Where `GET /health` collects details (the platform's `HEALTH_DETAILS` registry, injected in
   * `forRootAsync`): the module registers `outbox` there, with the relay's backlog.
   */
  healthDetails?: HealthDetailsSink;
  /**
   * Where the module's Prometheus metrics go (messaging-metrics.ts: consumers, outbox relay and
   * backlog) and where the BullMQ queues it creates (the purge's) are registered for job counts.
   * The platform passes the service's registry; without it the module measures nothing.
   */
  metrics?: MessagingMetricsSink;
}

/** The platform's metrics as this module sees them (structural: no import of @remit/platform). */
export interface MessagingMetricsSink {
  registry: Registry;
  registerQueue?(queue: Queue): void;
}

/** The part of the platform's health registry this module uses (structural: no import of @remit/platform). */
export interface HealthDetailsSink {
  register(name: string, provider: () => Promise<Record<string, unknown>>): void;
}

/** The name of the relay's entry in `/health` details. */
export const OUTBOX_HEALTH_DETAIL = 'outbox';

/** `MessagingModule.forRootAsync`: options built from injected providers, e.g. `REMIT_CONFIG`. */
export interface MessagingModuleAsyncOptions {
  imports?: ModuleMetadata['imports'];
  inject?: FactoryProvider['inject'];
  useFactory: FactoryProvider<MessagingModuleOptions | Promise<MessagingModuleOptions>>['useFactory'];
}

/**
 * Starts the outbox relay on bootstrap; stops it before shutdown, while the DataSource is open.
 * Reports its backlog in `/health` details when given a registry.
 */
@Injectable()
export class OutboxRelayLifecycle implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  /** One backlog query at a time, shared by whoever asks meanwhile (/health and /metrics). */
  private backlogInFlight?: Promise<OutboxBacklog>;

  constructor(
    private readonly relay: OutboxRelay,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
    @Inject(MESSAGING_METRICS) private readonly metrics: MessagingMetrics | null,
  ) {}

  onModuleInit(): void {
    this.metrics?.observeOutboxBacklog(() => this.backlog());
    this.options.healthDetails?.register(OUTBOX_HEALTH_DETAIL, async () => {
      const backlog = await this.backlog();
      return {
        unsent: backlog.unsent,
        parked: backlog.parked,
        oldestUnsentAgeSeconds: Math.floor(backlog.oldestUnsentAgeMs / 1000),
      };
    });
  }

  onApplicationBootstrap(): void {
    if (this.options.relay?.enabled !== false) this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }

  private backlog(): Promise<OutboxBacklog> {
    this.backlogInFlight ??= this.relay.backlog().finally(() => {
      this.backlogInFlight = undefined;
    });
    return this.backlogInFlight;
  }
}

/** Everything but the options provider; each reads the options through `MESSAGING_OPTIONS`. */
const MESSAGING_PROVIDERS: Provider[] = [
  {
    provide: KAFKA,
    inject: [MESSAGING_OPTIONS],
    useFactory: (options: MessagingModuleOptions): Kafka =>
      createKafka({
        clientId: prefixedName(options.groupPrefix, options.clientId),
        brokers: options.brokers,
        logger: nestMessagingLogger('Kafka'),
        retry: options.clientRetry,
      }),
  },
  {
    provide: MESSAGING_METRICS,
    inject: [MESSAGING_OPTIONS],
    useFactory: (options: MessagingModuleOptions): MessagingMetrics | null =>
      options.metrics ? new MessagingMetrics(options.metrics.registry) : null,
  },
  {
    provide: Outbox,
    inject: [MESSAGING_OPTIONS],
    useFactory: (options: MessagingModuleOptions): Outbox => new Outbox(options.source),
  },
  {
    provide: OutboxRelay,
    inject: [DataSource, KAFKA, Outbox, MESSAGING_OPTIONS, MESSAGING_METRICS],
    useFactory: (
      dataSource: DataSource,
      kafka: Kafka,
      outbox: Outbox,
      options: MessagingModuleOptions,
      metrics: MessagingMetrics | null,
    ): OutboxRelay => {
      // Publish right after a commit that added outbox rows, not only at the next poll.
      notifyOutboxAfterCommit(dataSource);
      return new OutboxRelay({
        dataSource,
        kafka,
        outbox,
        logger: nestMessagingLogger(OutboxRelay.name),
        batchSize: options.relay?.batchSize,
        pollIntervalMs: options.relay?.pollIntervalMs,
        lingerMs: options.relay?.lingerMs,
        maxAttempts: options.relay?.maxAttempts,
        leaseMs: options.relay?.leaseMs,
        metrics: metrics?.outbox,
      });
    },
  },
  OutboxRelayLifecycle,
  InboxTransport,
  MessagingPurgeScheduler,
];

/**
 * Kafka for a service: the `KAFKA` client, the `Outbox` (with the service's source), the relay that
 * publishes it, `InboxTransport` that serves the service's `@EventPattern` handlers through
 * idempotent consumers (the app connects it with `connectMicroservice`), and optionally the daily
 * purge. Needs the app's TypeORM `DataSource` (TypeOrmModule, with MESSAGING_ENTITIES among its
 * entities).
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return MessagingModule.build({ provide: MESSAGING_OPTIONS, useValue: options });
  }

  /**
   * Options from providers, like `BullModule.forRootAsync` in settlement:
   * `forRootAsync({ inject: [REMIT_CONFIG], useFactory: (config: RemitConfig) => ({ …,
   * brokers: config.kafkaBrokers, groupPrefix: config.kafkaGroupPrefix }) })`.
   */
  static forRootAsync(options: MessagingModuleAsyncOptions): DynamicModule {
    return {
      ...MessagingModule.build({
        provide: MESSAGING_OPTIONS,
        inject: options.inject ?? [],
        useFactory: options.useFactory,
      }),
      imports: options.imports ?? [],
    };
  }

  private static build(optionsProvider: Provider): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [optionsProvider, ...MESSAGING_PROVIDERS],
      exports: [
        KAFKA,
        MESSAGING_OPTIONS,
        MESSAGING_METRICS,
        Outbox,
        OutboxRelay,
        InboxTransport,
        MessagingPurgeScheduler,
      ],
    };
  }
}
