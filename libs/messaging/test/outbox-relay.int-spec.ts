import type { Admin, Kafka } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { parseCloudEvent, type EventType } from '@remit/contracts';
import {
  InboxConsumer,
  notifyOutboxAfterCommit,
  Outbox,
  OutboxPublishError,
  OutboxRelay,
  waitFor,
} from '@remit/messaging';
import {
  bump,
  captureLogger,
  counter,
  createTestDataSource,
  createTestTopics,
  dropTestSchema,
  invoiceIssued,
  messageCount,
  readMessages,
  testKafka,
  uniqueName,
  waitForGroupCaughtUp,
} from './support';

jest.setTimeout(30_000);

describe(OutboxRelay.name, () => {
  const logger = captureLogger();
  const schema = uniqueName('messaging_test');
  const topics: string[] = [];
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;

  /** A topic of this test only, and an outbox that routes every event type to it. */
  async function testTopic(partitions = 3): Promise<{ topic: string; outbox: Outbox }> {
    const topic = uniqueName('messaging-test.relay');
    await createTestTopics(admin, topic, partitions);
    topics.push(topic, `${topic}.dlq`);
    return { topic, outbox: new Outbox('remit/messaging-test', { topicOf: (_type: EventType) => topic }) };
  }

  async function unsentRows(): Promise<number> {
    const rows: { count: string }[] = await dataSource.query(
      `SELECT count(*) FROM "${schema}".outbox_events WHERE sent_at IS NULL`,
    );
    return Number(rows[0]?.count);
  }

  beforeAll(async () => {
    dataSource = await createTestDataSource(schema);
    kafka = testKafka(logger);
    admin = kafka.admin();
    await admin.connect();
  });

  afterEach(async () => {
    // Each test leaves the outbox drained, so the next test's relay sees only its own rows.
    await dataSource.query(`DELETE FROM "${schema}".outbox_events`);
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    await dropTestSchema(dataSource, schema);
  });

  it('publishes an event committed with its state change, once, keyed by customer', async () => {
    const { topic, outbox } = await testTopic();
    const customerId = uniqueName('cust');
    const event = await dataSource.transaction(async (manager) => {
      await bump(manager, schema, `state-${customerId}`);
      return outbox.add(manager, invoiceIssued(customerId));
    });
    const relay = new OutboxRelay({ dataSource, kafka, logger });
    try {
      expect(await relay.relayOnce()).toBe(1);
      expect(await relay.relayOnce()).toBe(0);
    } finally {
      await relay.stop();
    }

    expect(await messageCount(admin, topic)).toBe(1);
    const [message] = await readMessages(kafka, topic, 1);
    expect(message.key).toBe(customerId);
    expect(message.headers).toMatchObject({
      ce_id: event.id,
      ce_type: 'invoice.issued',
      ce_source: 'remit/messaging-test',
      'content-type': 'application/cloudevents+json',
    });
    const published = parseCloudEvent(message.value);
    expect(published).toEqual(event);
    const rows: { sent_at: Date | null; attempts: number }[] = await dataSource.query(
      `SELECT sent_at, attempts FROM "${schema}".outbox_events WHERE id = $1`,
      [event.id],
    );
    expect(rows[0].sent_at).toBeInstanceOf(Date);
    expect(rows[0].attempts).toBe(0);
  });

  it('publishes nothing when the state change rolls back', async () => {
    const { topic, outbox } = await testTopic();
    const customerId = uniqueName('cust');
    await expect(
      dataSource.transaction(async (manager) => {
        await bump(manager, schema, `state-${customerId}`);
        await outbox.add(manager, invoiceIssued(customerId));
        throw new Error('use case failed after adding the event');
      }),
    ).rejects.toThrow('use case failed');

    const relay = new OutboxRelay({ dataSource, kafka, logger });
    try {
      expect(await relay.relayOnce()).toBe(0);
    } finally {
      await relay.stop();
    }
    expect(await counter(dataSource, schema, `state-${customerId}`)).toBe(0);
    expect(await unsentRows()).toBe(0);
    expect(await messageCount(admin, topic)).toBe(0);
  });

  it('refuses to add an event outside a transaction', async () => {
    const outbox = new Outbox('remit/messaging-test');
    await expect(outbox.add(dataSource.manager, invoiceIssued('c-1'))).rejects.toThrow(/open transaction/);
  });

  it('refuses an event whose data breaks its contract, before writing anything', async () => {
    const { outbox } = await testTopic(1);
    const invalid = invoiceIssued('c-2');
    invalid.data.amountDueCents = 12.5;
    await expect(dataSource.transaction((manager) => outbox.add(manager, invalid))).rejects.toThrow();
    expect(await unsentRows()).toBe(0);
  });

  it('with two relays running, publishes each event exactly once and keeps each customer in order', async () => {
    const { topic, outbox } = await testTopic(3);
    const customers = Array.from({ length: 6 }, () => uniqueName('cust'));
    const expectedOrder = new Map<string, string[]>(customers.map((customer) => [customer, []]));
    // 240 events in 80 transactions of 3 (several per customer per transaction).
    for (let transaction = 0; transaction < 80; transaction += 1) {
      await dataSource.transaction(async (manager) => {
        for (let index = 0; index < 3; index += 1) {
          const customerId = customers[(transaction + index) % customers.length];
          const event = await outbox.add(manager, invoiceIssued(customerId));
          expectedOrder.get(customerId)?.push(event.id);
        }
      });
    }
    const total = 240;
    // A second DataSource stands for a second service replica.
    const otherDataSource = await createTestDataSource(schema);
    const published = { first: 0, second: 0 };
    // The hook widens the window in which both relays hold batches at once.
    const slowMark = (relay: keyof typeof published) => async (ids: string[]) => {
      published[relay] += ids.length;
      await new Promise((resolve) => setImmediate(resolve));
    };
    const first = new OutboxRelay({
      dataSource,
      kafka,
      logger,
      batchSize: 10,
      pollIntervalMs: 20,
      afterPublishBeforeMark: slowMark('first'),
    });
    const second = new OutboxRelay({
      dataSource: otherDataSource,
      kafka,
      logger,
      batchSize: 10,
      pollIntervalMs: 20,
      afterPublishBeforeMark: slowMark('second'),
    });
    try {
      first.start();
      second.start();
      await waitFor(async () => ((await unsentRows()) === 0 ? true : undefined), {
        timeoutMs: 20_000,
        what: 'outbox drained',
      });
    } finally {
      await Promise.all([first.stop(), second.stop()]);
      await otherDataSource.destroy();
    }

    expect(published.first + published.second).toBe(total);
    expect(published.first).toBeGreaterThan(0);
    expect(published.second).toBeGreaterThan(0);
    expect(await messageCount(admin, topic)).toBe(total);
    const messages = await readMessages(kafka, topic, total);
    const ids = messages.map((message) => message.headers.ce_id);
    expect(new Set(ids).size).toBe(total);
    // Kafka keeps order per partition, and one customer's events share a partition.
    const byOffset = [...messages].sort(
      (a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset),
    );
    for (const customerId of customers) {
      const actual = byOffset
        .filter((message) => message.key === customerId)
        .map((message) => message.headers.ce_id);
      expect(actual).toEqual(expectedOrder.get(customerId));
    }
  });

  it('after a crash between publishing and marking, republishes the same event and the consumer applies it once', async () => {
    const { topic, outbox } = await testTopic(1);
    const customerId = uniqueName('cust');
    const event = await dataSource.transaction((manager) => outbox.add(manager, invoiceIssued(customerId)));

    const crashing = new OutboxRelay({
      dataSource,
      kafka,
      logger,
      afterPublishBeforeMark: () => {
        throw new Error('simulated crash after publish, before mark');
      },
    });
    await expect(crashing.relayOnce()).rejects.toThrow('simulated crash');
    await crashing.stop();
    expect(await unsentRows()).toBe(1);
    expect(await messageCount(admin, topic)).toBe(1);

    const restarted = new OutboxRelay({ dataSource, kafka, logger });
    try {
      expect(await restarted.relayOnce()).toBe(1);
    } finally {
      await restarted.stop();
    }
    expect(await unsentRows()).toBe(0);
    const copies = await readMessages(kafka, topic, 2);
    expect(copies.map((message) => message.headers.ce_id)).toEqual([event.id, event.id]);

    const groupId = uniqueName('messaging-test-crash');
    let calls = 0;
    const consumer = new InboxConsumer({
      kafka,
      dataSource,
      groupId,
      topics: [topic],
      fromBeginning: true,
      maxWaitTimeInMs: 100,
      logger,
      handlers: {
        'invoice.issued': async (received, manager) => {
          calls += 1;
          await bump(manager, schema, `applied-${received.id}`);
        },
      },
    });
    try {
      await consumer.start();
      await waitForGroupCaughtUp(admin, groupId, topic);
    } finally {
      await consumer.stop();
    }
    expect(calls).toBe(1);
    expect(await counter(dataSource, schema, `applied-${event.id}`)).toBe(1);
  });

  it('records a failed send on the row and publishes it on a later round', async () => {
    const missingTopic = uniqueName('messaging-test.missing');
    const outbox = new Outbox('remit/messaging-test', { topicOf: () => missingTopic });
    const event = await dataSource.transaction((manager) =>
      outbox.add(manager, invoiceIssued(uniqueName('cust'))),
    );
    const relay = new OutboxRelay({
      dataSource,
      kafka,
      logger,
      producerRetry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
    });
    try {
      const failure: unknown = await relay.relayOnce().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OutboxPublishError);
      const [row]: { sent_at: Date | null; attempts: number; last_error: string | null }[] =
        await dataSource.query(
          `SELECT sent_at, attempts, last_error FROM "${schema}".outbox_events WHERE id = $1`,
          [event.id],
        );
      expect(row.sent_at).toBeNull();
      expect(row.attempts).toBe(1);
      expect(row.last_error).toMatch(/publishing 1 outbox event\(s\) failed/);

      await createTestTopics(admin, missingTopic, 1);
      topics.push(missingTopic, `${missingTopic}.dlq`);
      expect(await relay.relayOnce()).toBe(1);
    } finally {
      await relay.stop();
    }
    expect(await unsentRows()).toBe(0);
    expect(await messageCount(admin, missingTopic)).toBe(1);
  });

  it('publishes on notify() and right after a commit, without waiting for the next poll', async () => {
    const { topic, outbox } = await testTopic(1);
    // A poll interval far beyond the test timeout: only a notification can get events out in time.
    const relay = new OutboxRelay({ dataSource, kafka, logger, outbox, pollIntervalMs: 600_000 });
    const idle = (): Promise<boolean> =>
      waitFor(() => (relay.isIdle ? true : undefined), { what: 'the relay to idle' });
    const published = (count: number): Promise<boolean> =>
      waitFor(async () => ((await messageCount(admin, topic)) === count ? true : undefined), {
        timeoutMs: 10_000,
        what: `${count} published event(s)`,
      });
    relay.start();
    try {
      await idle();
      await dataSource.transaction((manager) => outbox.add(manager, invoiceIssued(uniqueName('cust'))));
      outbox.notify();
      await published(1);

      await idle();
      notifyOutboxAfterCommit(dataSource);
      await dataSource.transaction((manager) => outbox.add(manager, invoiceIssued(uniqueName('cust'))));
      await published(2);
    } finally {
      await relay.stop();
    }
  });
});
