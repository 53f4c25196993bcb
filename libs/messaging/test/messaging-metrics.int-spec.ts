import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import { Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { createCloudEvent, type CloudEvent } from '@remit/contracts';
import { InboxConsumer, MessagingMetrics, type EventHandlers } from '@remit/messaging';
import {
  bump,
  captureLogger,
  closeTestClients,
  counter,
  createTestTopics,
  invoiceIssued,
  openTestClients,
  type TestClients,
  uniqueName,
  waitForGroupCaughtUp,
} from './support';

jest.setTimeout(30_000);

describe(`${InboxConsumer.name} with ${MessagingMetrics.name}`, () => {
  const logger = captureLogger();
  const schema = uniqueName('messaging_test');
  const topics: string[] = [];
  let clients: TestClients;
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;
  let consumer: InboxConsumer | undefined;

  beforeAll(async () => {
    clients = await openTestClients(schema, logger);
    ({ dataSource, kafka, admin, producer } = clients);
  });

  afterAll(async () => {
    await consumer?.stop();
    await closeTestClients(clients, schema, topics);
  });

  function eventMessage(event: CloudEvent): Message {
    return { key: event.customerid, value: JSON.stringify(event) };
  }

  it('counts what happened to each message of a fetched batch, and the batch and lag of its partition', async () => {
    const topic = uniqueName('messaging-test.metrics');
    await createTestTopics(admin, topic, 1);
    topics.push(topic, `${topic}.dlq`);
    const customerId = uniqueName('cust');
    const events = Array.from({ length: 4 }, () =>
      createCloudEvent({ ...invoiceIssued(customerId), source: 'remit/messaging-test' }),
    );
    const refused = events[2];
    const handlers: EventHandlers = {
      'invoice.issued': async (event, manager) => {
        if (event.id === refused.id)
          throw Object.assign(new Error('rule broken'), { code: 'TEST.RULE', retryable: false });
        await bump(manager, schema, `applied-${event.data.invoiceNumber}`);
      },
    };
    // One send before the consumer starts: one partition, one fetch. events[1] twice, one message
    // not JSON, one event type without a handler.
    await producer.send({
      topic,
      messages: [
        ...[events[0], events[1], events[1]].map(eventMessage),
        { key: customerId, value: 'not json' },
        // A type this consumer has no handler for: skipped before it is parsed.
        { key: customerId, value: JSON.stringify({ type: 'customer.created' }) },
        ...[events[2], events[3]].map(eventMessage),
      ],
    });
    const registry = new Registry();
    const groupId = uniqueName('messaging-test-metrics');
    consumer = new InboxConsumer({
      kafka,
      dataSource,
      groupId,
      topics: [topic],
      handlers,
      maxAttempts: 3,
      backoffMs: 10,
      maxWaitTimeInMs: 100,
      logger,
      metrics: new MessagingMetrics(registry).forConsumer(groupId),
    });
    await consumer.start();
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
    for (const event of [events[0], events[1], events[3]])
      expect(await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)).toBe(1);

    const value = async (name: string, labels: Record<string, string>): Promise<number | undefined> => {
      const metric = (await registry.getSingleMetric(name)?.get())?.values ?? [];
      return metric.find((sample) =>
        Object.entries(labels).every(([key, wanted]) => String(sample.labels[key]) === wanted),
      )?.value;
    };
    const labels = { group: groupId, topic };
    expect(await value('remit_consumer_messages_total', { ...labels, outcome: 'applied' })).toBe(3);
    expect(await value('remit_consumer_messages_total', { ...labels, outcome: 'duplicate' })).toBe(1);
    expect(await value('remit_consumer_messages_total', { ...labels, outcome: 'skipped' })).toBe(1);
    expect(await value('remit_consumer_messages_total', { ...labels, outcome: 'dead_lettered' })).toBe(2);
    expect(await value('remit_consumer_dead_letters_total', { ...labels, reason: 'invalid' })).toBe(1);
    expect(await value('remit_consumer_dead_letters_total', { ...labels, reason: 'refused' })).toBe(1);
    expect(
      await value('remit_consumer_handler_failures_total', { ...labels, kind: 'poison' }),
    ).toBeGreaterThanOrEqual(1);
    // Every message went through a fetched batch (one or more), and the partition is caught up.
    const sizes = (await registry.getSingleMetric('remit_consumer_batch_size')?.get())?.values ?? [];
    const sample = (name: string): number | undefined =>
      sizes.find((entry) => (entry as { metricName?: string }).metricName === name)?.value;
    expect(sample('remit_consumer_batch_size_sum')).toBe(7);
    expect(sample('remit_consumer_batch_size_count')).toBeGreaterThanOrEqual(1);
    expect(await value('remit_consumer_lag_messages', { ...labels, partition: '0' })).toBe(0);
  });
});
