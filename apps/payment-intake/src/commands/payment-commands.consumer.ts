import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import type { Consumer, Kafka } from 'kafkajs';
import { COMMAND_AUTHORIZATION_HEADER, Topics } from '@remit/contracts';
import { KAFKA, prefixedName } from '@remit/messaging';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { PaymentCommandsService } from './payment-commands.service';

/** The consumer group's own name, behind the environment's prefix (KAFKA_GROUP_PREFIX). */
export const COMMANDS_GROUP = 'payment-intake.commands';

/**
 * Reads `payments.commands.v1` with a plain kafkajs consumer: commands are not events (the inbox
 * transport parses only the event types of the contracts, and drops the headers that carry the
 * bearer token). Idempotency comes from the command id (the use case's idempotency key), not from
 * an inbox row. Offsets are committed after each answer; a command that met an outage is not
 * committed and comes again. Joins in the background, so a broker outage does not stop the start.
 */
@Injectable()
export class PaymentCommandsConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PaymentCommandsConsumer.name);
  private consumer?: Consumer;
  private starting?: Promise<void>;
  private stopping = false;
  private joined!: () => void;
  /** Resolves once the consumer has joined its group (tests wait for it). */
  readonly ready = new Promise<void>((resolve) => (this.joined = resolve));

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
    private readonly commands: PaymentCommandsService,
  ) {}

  onApplicationBootstrap(): void {
    this.starting = this.start().catch((error: unknown) => {
      if (!this.stopping) {
        this.logger.error(`the payments command consumer did not start: ${(error as Error).message}`);
      }
    });
  }

  /** Lets a start under way settle first (briefly), so that kafkajs does not restart what it was joining. */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all([this.starting, this.ready]),
      new Promise((resolve) => (timer = setTimeout(resolve, 10_000))),
    ]);
    clearTimeout(timer);
    const consumer = this.consumer;
    this.consumer = undefined;
    await consumer?.disconnect().catch(() => undefined);
  }

  private async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: prefixedName(this.config.kafkaGroupPrefix, COMMANDS_GROUP),
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 1_000,
      // After a crash kafkajs restarts the consumer, unless the service is shutting down.
      retry: { restartOnFailure: () => Promise.resolve(!this.stopping) },
    });
    this.consumer = consumer;
    consumer.on(consumer.events.GROUP_JOIN, () => this.joined());
    await consumer.connect();
    await consumer.subscribe({ topics: [Topics.paymentsCommands], fromBeginning: true });
    await consumer.run({
      autoCommitThreshold: 1,
      eachMessage: async ({ message }) => {
        const header = message.headers?.[COMMAND_AUTHORIZATION_HEADER];
        const authorization = Array.isArray(header) ? header[0]?.toString() : header?.toString();
        await this.commands.handle({ value: message.value, authorization });
      },
    });
  }
}
