import {
  createCloudEvent,
  topicOfEvent,
  type CloudEvent,
  type EventType,
  type NewEvent,
} from '@remit/contracts';
import { cloudEventHeaders, createKafka, parseBrokers } from '@remit/messaging';
import type { Producer } from 'kafkajs';

/**
 * Publishes events through the real broker, as the other services' outbox relays do: the whole
 * CloudEvent as the value, keyed by customer, on the topic of its type.
 */
export class EventPublisher {
  private readonly producer: Producer;

  constructor() {
    const kafka = createKafka({
      clientId: `notification-test-${process.pid}`,
      brokers: parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
      logger: {
        debug: () => undefined,
        info: () => undefined,
        warn: () => undefined,
        error: () => undefined,
      },
    });
    this.producer = kafka.producer();
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  /** Publishes `event` as it is (the same id again plays a redelivery). */
  async send(event: CloudEvent): Promise<CloudEvent> {
    await this.producer.send({
      topic: topicOfEvent[event.type],
      messages: [{ key: event.customerid, value: JSON.stringify(event), headers: cloudEventHeaders(event) }],
    });
    return event;
  }

  publish<T extends EventType>(
    event: Omit<NewEvent<T>, 'source'> & { source?: string },
  ): Promise<CloudEvent> {
    return this.send(createCloudEvent({ source: 'remit/test', ...event }));
  }
}
