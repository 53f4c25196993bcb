import {
  Global,
  Inject,
  Injectable,
  Module,
  type BeforeApplicationShutdown,
  type DynamicModule,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createKafka } from '../kafka';
import { notifyOutboxAfterCommit, Outbox } from '../outbox';
import { OutboxRelay } from '../outbox-relay';
import { ConsumerHost } from './consumer-host';
import { nestMessagingLogger } from './nest-logger';
import { KAFKA, MESSAGING_OPTIONS } from './tokens';

export interface MessagingModuleOptions {
  /** CloudEvents `source` of the events this service publishes, e.g. 'remit/invoice'. */
  source: string;
  clientId: string;
  brokers: string[];
  relay?: {
    /** false: no relay in this process (e.g. a tool that only consumes). Default true. */
    enabled?: boolean;
    batchSize?: number;
    pollIntervalMs?: number;
  };
}

/** Starts the outbox relay on bootstrap; stops it before shutdown, while the DataSource is open. */
@Injectable()
export class OutboxRelayLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    private readonly relay: OutboxRelay,
    @Inject(MESSAGING_OPTIONS) private readonly options: MessagingModuleOptions,
  ) {}

  onApplicationBootstrap(): void {
    if (this.options.relay?.enabled !== false) this.relay.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.relay.stop();
  }
}

/**
 * Kafka for a service: the `KAFKA` client, the `Outbox` (with the service's source), the relay that
 * publishes it, and `ConsumerHost` for the service's idempotent consumers. Needs the app's
 * TypeORM `DataSource` (TypeOrmModule, with MESSAGING_ENTITIES among its entities).
 */
@Global()
@Module({})
export class MessagingModule {
  static forRoot(options: MessagingModuleOptions): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        { provide: MESSAGING_OPTIONS, useValue: options },
        {
          provide: KAFKA,
          useFactory: (): Kafka =>
            createKafka({
              clientId: options.clientId,
              brokers: options.brokers,
              logger: nestMessagingLogger('Kafka'),
            }),
        },
        { provide: Outbox, useFactory: (): Outbox => new Outbox(options.source) },
        {
          provide: OutboxRelay,
          inject: [DataSource, KAFKA, Outbox],
          useFactory: (dataSource: DataSource, kafka: Kafka, outbox: Outbox): OutboxRelay => {
            // Publish right after a commit that added outbox rows, not only at the next poll.
            notifyOutboxAfterCommit(dataSource);
            return new OutboxRelay({
              dataSource,
              kafka,
              outbox,
              logger: nestMessagingLogger(OutboxRelay.name),
              batchSize: options.relay?.batchSize,
              pollIntervalMs: options.relay?.pollIntervalMs,
            });
          },
        },
        OutboxRelayLifecycle,
        ConsumerHost,
      ],
      exports: [KAFKA, MESSAGING_OPTIONS, Outbox, OutboxRelay, ConsumerHost],
    };
  }
}
