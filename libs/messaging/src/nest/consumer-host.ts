import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import { InboxConsumer, type InboxConsumerOptions } from '../inbox-consumer';
import { describeError } from '../logger';
import { nestMessagingLogger } from './nest-logger';
import { KAFKA, MESSAGING_OPTIONS } from './tokens';

/** What an app's consumer adapter gives: its short `groupId`; the environment prefix is added here. */
export type ConsumerRegistration = Omit<InboxConsumerOptions, 'kafka' | 'dataSource' | 'groupPrefix'>;

/**
 * Owns the app's Kafka consumers: adapters register them in `onModuleInit`; they start on
 * application bootstrap (which waits for each group join) and stop before shutdown, while the
 * DataSource is still open (TypeORM closes it in `onApplicationShutdown`). The one place where the
 * environment's group prefix (`MessagingModuleOptions.groupPrefix`) is put on consumer groups.
 */
@Injectable()
export class ConsumerHost implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly consumers: InboxConsumer[] = [];
  private readonly logger = nestMessagingLogger(ConsumerHost.name);
  private bootstrapped = false;

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    @Inject(MESSAGING_OPTIONS) private readonly options: { groupPrefix?: string },
  ) {}

  register(options: ConsumerRegistration): InboxConsumer {
    if (this.consumers.some((consumer) => consumer.groupId === options.groupId)) {
      // Two consumers of one group in one process would split its partitions between handler sets.
      throw new Error(`consumer group "${options.groupId}" is already registered`);
    }
    const consumer = new InboxConsumer({
      ...options,
      kafka: this.kafka,
      dataSource: this.dataSource,
      groupPrefix: this.options.groupPrefix,
      logger: options.logger ?? nestMessagingLogger(`InboxConsumer:${options.groupId}`),
    });
    this.consumers.push(consumer);
    if (this.bootstrapped) {
      consumer.start().catch((error: unknown) => {
        this.logger.error({ groupId: options.groupId, ...describeError(error) }, 'consumer failed to start');
      });
    }
    return consumer;
  }

  get registered(): readonly InboxConsumer[] {
    return this.consumers;
  }

  async onApplicationBootstrap(): Promise<void> {
    this.bootstrapped = true;
    await Promise.all(this.consumers.map((consumer) => consumer.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
  }
}
