import { Inject, Injectable, Optional } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { Kafka } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { DataSource, type EntityManager } from 'typeorm';
import { isEventType, type CloudEvent, type EventType } from '@remit/contracts';
import { backoffDelay, sleep } from '../backoff';
import { InboxConsumer, type EventHandler, type EventHandlers } from '../inbox-consumer';
import { describeError } from '../logger';
import type { MessagingMetrics } from '../messaging-metrics';
import {
  InboxContext,
  KAFKA_CONSUMER_EXTRA,
  type KafkaConsumerDeclaration,
} from './kafka-consumer.decorator';
import { nestMessagingLogger } from './nest-logger';
import { KAFKA, MESSAGING_METRICS, MESSAGING_OPTIONS } from './tokens';

/** How long a consumer that failed to start (broker down at boot) waits before it tries again. */
const START_RETRY_BASE_MS = 1_000;
const START_RETRY_MAX_MS = 30_000;

/**
 * A Nest transport strategy over the inbox: the app's `@EventPattern` handlers (methods of
 * `@KafkaConsumer` controllers) become one `InboxConsumer` per consumer group. Each handler runs
 * inside the transaction that inserts its inbox row and gets its `EntityManager` as
 * `@Ctx() ctx: InboxContext`; what it throws reaches the InboxConsumer unchanged, which retries,
 * dead-letters or skips exactly as for any consumer (ADR 0001, 0009). Connected to the HTTP app with
 * `app.connectMicroservice({ strategy: app.get(InboxTransport) })`: one process serves both.
 *
 * `listen` fails at once on a handler it could never serve (no `@KafkaConsumer`, not an event type,
 * a `@MessagePattern`, a group declared twice or a type handled twice in a group); the consumers
 * then connect in the background, retrying while the broker is down, so an outage at boot does not
 * stop the service. `close` (called by `app.close()` before the DataSource closes) stops them.
 * The one place where the environment's group prefix is put on consumer groups.
 */
@Injectable()
export class InboxTransport extends Server implements CustomTransportStrategy {
  /** The InboxConsumer handles every handler failure (and logs it); Nest must not log it as well. */
  override readonly propagatesEventHandlerErrors = true;
  private readonly messagingLogger = nestMessagingLogger(InboxTransport.name);
  private consumers: InboxConsumer[] = [];
  private closing = new AbortController();

  constructor(
    @Inject(KAFKA) private readonly kafka: Kafka,
    private readonly dataSource: DataSource,
    @Inject(MESSAGING_OPTIONS) private readonly options: { groupPrefix?: string },
    @Optional() @Inject(MESSAGING_METRICS) private readonly metrics: MessagingMetrics | null = null,
  ) {
    super();
  }

  /** The consumers `listen` built, one per group: for tests and tools. */
  get registered(): readonly InboxConsumer[] {
    return this.consumers;
  }

  listen(callback: (error?: unknown) => void): void {
    let consumers: InboxConsumer[];
    try {
      consumers = this.createConsumers();
    } catch (error) {
      callback(error);
      return;
    }
    this.consumers = consumers;
    this.closing = new AbortController();
    for (const consumer of consumers) void this.startInBackground(consumer, this.closing.signal);
    callback();
  }

  async close(): Promise<void> {
    this.closing.abort();
    await Promise.all(this.consumers.map((consumer) => consumer.stop()));
  }

  on(): never {
    throw new Error('InboxTransport emits no events');
  }

  unwrap<T>(): T {
    return this.consumers as T;
  }

  private createConsumers(): InboxConsumer[] {
    const groups = new Map<string, { declaration: KafkaConsumerDeclaration; handlers: EventHandlers }>();
    for (const [pattern, handler] of this.eachHandler()) {
      const declaration = handler.extras?.[KAFKA_CONSUMER_EXTRA] as KafkaConsumerDeclaration | undefined;
      if (!declaration) {
        throw new Error(
          `handler of '${pattern}' has no consumer group: its controller needs @KafkaConsumer({ groupId, topics })`,
        );
      }
      const where = `${declaration.consumer} (group "${declaration.options.groupId}")`;
      if (!handler.isEventHandler) {
        throw new Error(`${where}: @MessagePattern('${pattern}') has no reply over Kafka; use @EventPattern`);
      }
      if (!isEventType(pattern)) {
        throw new Error(`${where}: @EventPattern('${pattern}') is not an event type of @remit/contracts`);
      }
      let group = groups.get(declaration.options.groupId);
      if (!group) {
        group = { declaration, handlers: {} };
        groups.set(declaration.options.groupId, group);
      } else if (group.declaration !== declaration) {
        // Two consumers of one group in one process would split its partitions between handler sets.
        throw new Error(
          `consumer group "${declaration.options.groupId}" is declared by both ${group.declaration.consumer} and ${declaration.consumer}`,
        );
      }
      if (group.handlers[pattern]) throw new Error(`${where}: two handlers of '${pattern}'`);
      const apply: EventHandler<EventType> = (event, manager) => this.apply(handler, event, manager);
      group.handlers[pattern] = apply;
    }
    return [...groups.values()].map(
      ({ declaration: { options }, handlers }) =>
        new InboxConsumer({
          ...options,
          handlers,
          kafka: this.kafka,
          dataSource: this.dataSource,
          groupPrefix: this.options.groupPrefix,
          logger: nestMessagingLogger(`InboxConsumer:${options.groupId}`),
          metrics: this.metrics?.forConsumer(options.groupId),
        }),
    );
  }

  /**
   * Every registered handler with its pattern. Nest chains the event handlers of one pattern
   * (`next`) and runs the whole chain on each call; here each one belongs to its own group and
   * transaction, so the chain is taken apart.
   */
  private *eachHandler(): Generator<[pattern: string, handler: MessageHandler]> {
    for (const [pattern, head] of this.getHandlers()) {
      let handler: MessageHandler | undefined = head;
      while (handler) {
        const next = handler.next as MessageHandler | undefined;
        handler.next = undefined;
        yield [pattern, handler];
        handler = next;
      }
    }
  }

  /** Runs the Nest handler (its pipes, guards, interceptors and filters) and waits for what it returns. */
  private async apply(
    handler: MessageHandler,
    event: CloudEvent<EventType>,
    manager: EntityManager,
  ): Promise<void> {
    const result: unknown = await handler(event, new InboxContext([manager]));
    await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
  }

  private async startInBackground(consumer: InboxConsumer, closing: AbortSignal): Promise<void> {
    for (let attempt = 1; !closing.aborted; attempt += 1) {
      try {
        await consumer.start();
        return;
      } catch (error) {
        if (closing.aborted) return;
        const delayMs = backoffDelay(attempt, START_RETRY_BASE_MS, START_RETRY_MAX_MS);
        this.messagingLogger.error(
          { groupId: consumer.groupId, attempt, delayMs, ...describeError(error) },
          'consumer failed to start; retrying',
        );
        await sleep(delayMs, closing);
      }
    }
  }
}
