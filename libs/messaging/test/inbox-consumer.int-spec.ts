import { randomUUID } from 'node:crypto';
import type { Admin, Kafka, Message, Producer } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { createCloudEvent, type CloudEvent } from '@remit/contracts';
import {
  batchWork,
  flushBatchWork,
  InboxConsumer,
  waitFor,
  type EventHandlers,
  type InboxConsumerOptions,
} from '@remit/messaging';
import {
  bump,
  captureLogger,
  closeTestClients,
  counter,
  createTestTopics,
  invoiceIssued,
  messageCount,
  openTestClients,
  readMessages,
  type TestClients,
  uniqueName,
  waitForGroupCaughtUp,
} from './support';

jest.setTimeout(30_000);

/** A value that must never appear in a log line (stands for an account number or an e-mail). */
const SECRET = 'SECRET-4111111111111111';

describe(InboxConsumer.name, () => {
  const logger = captureLogger();
  const schema = uniqueName('messaging_test');
  const topics: string[] = [];
  const consumers: InboxConsumer[] = [];
  let clients: TestClients;
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  async function testTopic(partitions = 3): Promise<string> {
    const topic = uniqueName('messaging-test.inbox');
    await createTestTopics(admin, topic, partitions);
    topics.push(topic, `${topic}.dlq`);
    return topic;
  }

  async function startConsumer(
    topic: string,
    handlers: EventHandlers,
    options: Partial<InboxConsumerOptions> = {},
  ): Promise<InboxConsumer> {
    const consumer = new InboxConsumer({
      kafka,
      dataSource,
      groupId: uniqueName('messaging-test-inbox'),
      topics: [topic],
      handlers,
      maxAttempts: 3,
      backoffMs: 10,
      maxWaitTimeInMs: 100,
      logger,
      ...options,
    });
    consumers.push(consumer);
    await consumer.start();
    expect(consumer.isRunning).toBe(true);
    return consumer;
  }

  function eventMessage(event: CloudEvent): Message {
    return {
      key: event.customerid,
      value: JSON.stringify(event),
      headers: { ce_id: event.id, ce_type: event.type, 'x-trace': 'kept' },
    };
  }

  function newInvoiceEvent(customerId: string): CloudEvent<'invoice.issued'> {
    return createCloudEvent({ ...invoiceIssued(customerId), source: 'remit/messaging-test' });
  }

  /** Counts each applied invoice.issued per invoice number, in the handler's transaction. */
  const countingHandlers: EventHandlers = {
    'invoice.issued': (event, manager) => bump(manager, schema, `applied-${event.data.invoiceNumber}`),
  };

  beforeAll(async () => {
    clients = await openTestClients(schema, logger);
    ({ dataSource, kafka, admin, producer } = clients);
  });

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
    expect(logger.text()).not.toContain(SECRET);
  });

  afterAll(async () => {
    await closeTestClients(clients, schema, topics);
  });

  it('applies an event delivered twice only once', async () => {
    const topic = await testTopic();
    const event = newInvoiceEvent(uniqueName('cust'));
    await producer.send({ topic, messages: [eventMessage(event), eventMessage(event)] });

    const consumer = await startConsumer(topic, countingHandlers);
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);

    expect(await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)).toBe(1);
    const inbox: { event_type: string; topic: string; offset: string }[] = await dataSource.query(
      `SELECT event_type, topic, "offset" FROM "${schema}".inbox_events WHERE consumer_group = $1 AND event_id = $2`,
      [consumer.groupId, event.id],
    );
    expect(inbox).toEqual([{ event_type: 'invoice.issued', topic, offset: '0' }]);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        message: 'event already processed; skipped',
        fields: expect.objectContaining({ eventId: event.id }),
      }),
    );
  });

  it('applies the events of one fetch in order, each once: a duplicate inside the batch skipped, a failing one isolated and dead-lettered', async () => {
    const topic = await testTopic(1);
    const customerId = uniqueName('cust');
    const events = Array.from({ length: 6 }, () => newInvoiceEvent(customerId));
    const poison = events[3];
    const good = events.filter((event) => event !== poison);
    const attempts = new Map<string, number>();
    const handlers: EventHandlers = {
      'invoice.issued': async (event, manager) => {
        attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
        if (event.id === poison.id) {
          throw Object.assign(new Error('cannot be applied'), { code: 'TEST.ALWAYS_FAILS' });
        }
        // In this transaction, every earlier good event of the key is already applied: offset order.
        const index = good.indexOf(event);
        if (index > 0) {
          const rows: { value: number }[] = await manager.query(
            `SELECT value FROM "${schema}".counters WHERE name = $1`,
            [`applied-${good[index - 1].data.invoiceNumber}`],
          );
          if (rows[0]?.value !== 1) {
            throw Object.assign(new Error('applied out of order'), { code: 'TEST.ORDER', retryable: false });
          }
        }
        await bump(manager, schema, `applied-${event.data.invoiceNumber}`);
      },
    };
    // One send before the consumer starts: one fetch, one batch; events[1] is there twice.
    await producer.send({
      topic,
      messages: [...events.slice(0, 3), events[1], ...events.slice(3)].map(eventMessage),
    });

    const consumer = await startConsumer(topic, handlers, { maxAttempts: 3, backoffMs: 10 });
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);

    for (const event of good) {
      expect(await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)).toBe(1);
    }
    expect(await counter(dataSource, schema, `applied-${poison.data.invoiceNumber}`)).toBe(0);
    expect(attempts.get(poison.id)).toBe(3);
    const inbox: { event_id: string }[] = await dataSource.query(
      `SELECT event_id FROM "${schema}".inbox_events WHERE consumer_group = $1 ORDER BY "offset"::bigint`,
      [consumer.groupId],
    );
    expect(inbox.map((row) => row.event_id)).toEqual(good.map((event) => event.id));
    const [dead] = await readMessages(kafka, `${topic}.dlq`, 1);
    expect(dead.headers).toMatchObject({ ce_id: poison.id, 'dlq-attempts': '3' });
    expect(await messageCount(admin, `${topic}.dlq`)).toBe(1);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        message: 'event already processed; skipped',
        fields: expect.objectContaining({ eventId: events[1].id }),
      }),
    );
    // The events before the failing one committed as one batch (after it, one at a time again).
    const batches = logger.lines.filter(
      (line) => line.message === 'event batch applied' && line.fields.groupId === consumer.groupId,
    );
    expect(batches).toEqual([expect.objectContaining({ fields: expect.objectContaining({ size: 4 }) })]);
  });

  it('runs the work handlers defer (batchWork) once per transaction, before its commit, and a flush asked for early first', async () => {
    const topic = await testTopic(1);
    const customerId = uniqueName('cust');
    const events = Array.from({ length: 5 }, () => newInvoiceEvent(customerId));
    /** Each flush: the invoice numbers it wrote, in one statement. */
    const flushes: string[][] = [];
    const key = {};
    class Deferred {
      readonly numbers: string[] = [];
      async flush(manager: EntityManager): Promise<void> {
        const numbers = this.numbers.splice(0);
        flushes.push(numbers);
        await manager.query(
          `INSERT INTO "${schema}".counters (name, value) SELECT 'deferred-' || n, 1 FROM unnest($1::text[]) AS n`,
          [numbers],
        );
      }
    }
    let failedOnce = false;
    const handlers: EventHandlers = {
      'invoice.issued': async (event, manager) => {
        // The third event's own write must follow the earlier events' deferred work.
        if (event.id === events[2].id) {
          await flushBatchWork(manager);
          const seen: unknown[] = await manager.query(`SELECT 1 FROM "${schema}".counters WHERE name = $1`, [
            `deferred-${events[1].data.invoiceNumber}`,
          ]);
          await bump(manager, schema, `seen-before-${event.data.invoiceNumber}-${seen.length}`);
        }
        batchWork(manager, key, () => new Deferred()).numbers.push(event.data.invoiceNumber);
        // The last event's work fails once: the whole transaction is rolled back, and applied again.
        if (event.id === events[4].id && !failedOnce) {
          failedOnce = true;
          batchWork(manager, {}, () => ({ flush: () => Promise.reject(new Error('deferred work failed')) }));
        }
      },
    };
    await producer.send({ topic, messages: events.map(eventMessage) });

    const consumer = await startConsumer(topic, handlers);
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);

    for (const event of events) {
      expect(await counter(dataSource, schema, `deferred-${event.data.invoiceNumber}`)).toBe(1);
    }
    // Flushed early, the second event's work was there for the third event's handler, uncommitted.
    expect(await counter(dataSource, schema, `seen-before-${events[2].data.invoiceNumber}-1`)).toBe(1);
    const [n0, n1, n2, n3, n4] = events.map((event) => event.data.invoiceNumber);
    // First try, one transaction: [0, 1] early, [2, 3, 4] at the end, which fails: rolled back. Then
    // the first event alone, and the rest as a batch again: [1] early, [2, 3, 4] at the end.
    expect(flushes).toEqual([[n0, n1], [n2, n3, n4], [n0], [n1], [n2, n3, n4]]);
    expect(() => batchWork(dataSource.manager, key, () => new Deferred())).toThrow(/InboxConsumer/);
    await expect(flushBatchWork(dataSource.manager)).resolves.toBeUndefined();
  });

  it('dead-letters an unparseable and a schema-invalid message with error headers, then processes the next good one', async () => {
    const topic = await testTopic();
    const customerId = uniqueName('cust');
    const invalid = { ...newInvoiceEvent(customerId), data: { invoiceNumber: SECRET, amountDueCents: '12' } };
    const good = newInvoiceEvent(customerId);
    // One key, so one partition: the bad messages come first and must not block the good one.
    await producer.send({
      topic,
      messages: [
        { key: customerId, value: `not json ${SECRET}`, headers: { 'x-trace': 'kept' } },
        { key: customerId, value: JSON.stringify(invalid), headers: { 'x-trace': 'kept' } },
        eventMessage(good),
      ],
    });

    const consumer = await startConsumer(topic, countingHandlers);
    await waitFor(
      async () =>
        (await counter(dataSource, schema, `applied-${good.data.invoiceNumber}`)) === 1 ? true : undefined,
      {
        what: 'the good event after the bad ones',
      },
    );
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);

    const dead = await readMessages(kafka, `${topic}.dlq`, 2);
    expect(dead).toHaveLength(2);
    const [unparseable, schemaInvalid] = dead.sort(
      (a, b) => Number(a.headers['dlq-original-offset']) - Number(b.headers['dlq-original-offset']),
    );
    for (const message of dead) {
      expect(message.key).toBe(customerId);
      expect(message.headers).toMatchObject({
        'x-trace': 'kept',
        'dlq-error-code': 'CONTRACT.INVALID_EVENT',
        'dlq-original-topic': topic,
        'dlq-consumer-group': consumer.groupId,
      });
      expect(message.headers['dlq-original-partition']).toMatch(/^\d+$/);
      expect(Number.isNaN(Date.parse(message.headers['dlq-failed-at']))).toBe(false);
    }
    expect(unparseable.value?.toString()).toBe(`not json ${SECRET}`);
    expect(unparseable.headers['dlq-original-offset']).toBe('0');
    expect(unparseable.headers['dlq-error']).toMatch(/not JSON/);
    expect(schemaInvalid.value?.toString()).toBe(JSON.stringify(invalid));
    expect(schemaInvalid.headers['dlq-original-offset']).toBe('1');
    expect(schemaInvalid.headers['dlq-error']).toMatch(/invalid data for invoice.issued/);
    expect(schemaInvalid.headers['dlq-error']).toMatch(/amountDueCents/);

    const inbox: unknown[] = await dataSource.query(
      `SELECT 1 FROM "${schema}".inbox_events WHERE consumer_group = $1`,
      [consumer.groupId],
    );
    expect(inbox).toHaveLength(1);
  });

  it('dead-letters an event whose handler keeps failing after maxAttempts, without its effect, and processes the next one', async () => {
    const topic = await testTopic();
    const customerId = uniqueName('cust');
    const poison = newInvoiceEvent(customerId);
    const good = newInvoiceEvent(customerId);
    const attempts = new Map<string, number>();
    const handlers: EventHandlers = {
      'invoice.issued': async (event, manager) => {
        attempts.set(event.id, (attempts.get(event.id) ?? 0) + 1);
        await bump(manager, schema, `applied-${event.data.invoiceNumber}`);
        if (event.id === poison.id) {
          throw Object.assign(new Error(`invoice ${event.data.invoiceNumber} cannot be applied`), {
            code: 'TEST.ALWAYS_FAILS',
          });
        }
      },
    };
    await producer.send({ topic, messages: [eventMessage(poison), eventMessage(good)] });

    const consumer = await startConsumer(topic, handlers, { maxAttempts: 3, backoffMs: 10 });
    await waitFor(
      async () =>
        (await counter(dataSource, schema, `applied-${good.data.invoiceNumber}`)) === 1 ? true : undefined,
      {
        what: 'the event after the poison one',
      },
    );
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);

    expect(attempts.get(poison.id)).toBe(3);
    expect(attempts.get(good.id)).toBe(1);
    // Each failed attempt rolled back: neither the effect nor the inbox row of the poison event stayed.
    expect(await counter(dataSource, schema, `applied-${poison.data.invoiceNumber}`)).toBe(0);
    const inbox: { event_id: string }[] = await dataSource.query(
      `SELECT event_id FROM "${schema}".inbox_events WHERE consumer_group = $1`,
      [consumer.groupId],
    );
    expect(inbox.map((row) => row.event_id)).toEqual([good.id]);

    const [dead] = await readMessages(kafka, `${topic}.dlq`, 1);
    expect(dead.value?.toString()).toBe(JSON.stringify(poison));
    expect(dead.key).toBe(customerId);
    expect(dead.headers).toMatchObject({
      ce_id: poison.id,
      'x-trace': 'kept',
      'dlq-error': `invoice ${poison.data.invoiceNumber} cannot be applied`,
      'dlq-error-code': 'TEST.ALWAYS_FAILS',
      'dlq-original-topic': topic,
      'dlq-original-offset': '0',
      'dlq-consumer-group': consumer.groupId,
      'dlq-attempts': '3',
    });
    expect(await messageCount(admin, `${topic}.dlq`)).toBe(1);
  });

  it('dead-letters at once an error flagged not retryable', async () => {
    const topic = await testTopic(1);
    const event = newInvoiceEvent(uniqueName('cust'));
    let calls = 0;
    const consumer = await startConsumer(topic, {
      'invoice.issued': () => {
        calls += 1;
        return Promise.reject(
          Object.assign(new Error('rule broken'), { code: 'TEST.RULE', retryable: false }),
        );
      },
    });
    await producer.send({ topic, messages: [eventMessage(event)] });
    const [dead] = await readMessages(kafka, `${topic}.dlq`, 1);
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
    expect(calls).toBe(1);
    expect(dead.headers).toMatchObject({ 'dlq-error-code': 'TEST.RULE', 'dlq-attempts': '1' });
  });

  it('never dead-letters while the database is unreachable: the event is retried and applied once', async () => {
    const topic = await testTopic(1);
    const event = newInvoiceEvent(uniqueName('cust'));
    let calls = 0;
    const consumer = await startConsumer(
      topic,
      {
        'invoice.issued': async (received, manager) => {
          calls += 1;
          // Stands for PostgreSQL being down for the first three tries (pg reports ECONNREFUSED).
          if (calls <= 3)
            throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
          await bump(manager, schema, `applied-${received.data.invoiceNumber}`);
        },
      },
      { maxAttempts: 2, backoffMs: 10 },
    );
    await producer.send({ topic, messages: [eventMessage(event)] });
    await waitFor(
      async () =>
        (await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)) === 1 ? true : undefined,
      {
        what: 'the event to be applied once the database is back',
      },
    );
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
    expect(calls).toBe(4);
    expect(await messageCount(admin, `${topic}.dlq`)).toBe(0);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'transient failure (database, Redis or Kafka); retrying, never dead-lettering',
        fields: expect.objectContaining({ eventId: event.id, failureKind: 'transient', attempt: 3 }),
      }),
    );
  });

  it('retries a serialization failure and applies the event once, without dead-lettering it', async () => {
    const topic = await testTopic(1);
    const event = newInvoiceEvent(uniqueName('cust'));
    let calls = 0;
    const consumer = await startConsumer(
      topic,
      {
        'invoice.issued': async (received, manager) => {
          calls += 1;
          // The effect first, so that a failed attempt shows it rolled back with the inbox row.
          await bump(manager, schema, `applied-${received.data.invoiceNumber}`);
          // A real PostgreSQL error with SQLSTATE 40001, through pg and TypeORM as a conflicting
          // SERIALIZABLE transaction would raise it; more failures than maxAttempts allows.
          if (calls <= 3)
            await manager.query(
              `DO $$ BEGIN RAISE EXCEPTION 'could not serialize access due to concurrent update'
                 USING ERRCODE = 'serialization_failure'; END $$`,
            );
        },
      },
      { maxAttempts: 2, backoffMs: 10 },
    );
    await producer.send({ topic, messages: [eventMessage(event)] });
    await waitFor(
      async () =>
        (await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)) === 1 ? true : undefined,
      { what: 'the event to be applied after the serialization failures' },
    );
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
    expect(calls).toBe(4);
    expect(await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)).toBe(1);
    expect(await messageCount(admin, `${topic}.dlq`)).toBe(0);
    const inbox: unknown[] = await dataSource.query(
      `SELECT 1 FROM "${schema}".inbox_events WHERE consumer_group = $1 AND event_id = $2`,
      [consumer.groupId, event.id],
    );
    expect(inbox).toHaveLength(1);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        fields: expect.objectContaining({ eventId: event.id, failureKind: 'transient', errorCode: '40001' }),
      }),
    );
  });

  it('keeps a message through a transient failure that outlasts the consumer: the next one applies it', async () => {
    const topic = await testTopic(1);
    const groupId = uniqueName('messaging-test-inbox');
    const event = newInvoiceEvent(uniqueName('cust'));
    let failedCalls = 0;
    const failing = await startConsumer(
      topic,
      {
        'invoice.issued': () => {
          failedCalls += 1;
          return Promise.reject(
            Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
          );
        },
      },
      { groupId, maxAttempts: 1, backoffMs: 10, maxBackoffMs: 20 },
    );
    await producer.send({ topic, messages: [eventMessage(event)] });
    // Far more failures than maxAttempts, and still nothing dead-lettered.
    await waitFor(() => (failedCalls >= 5 ? true : undefined), { what: 'repeated transient failures' });
    await failing.stop();
    expect(await messageCount(admin, `${topic}.dlq`)).toBe(0);

    const next = await startConsumer(topic, countingHandlers, { groupId });
    await waitForGroupCaughtUp(admin, next.kafkaGroupId, topic);
    expect(await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)).toBe(1);
  });

  it('a group created after events were published still processes them (earliest offset by default)', async () => {
    const topic = await testTopic(3);
    const events = Array.from({ length: 4 }, () => newInvoiceEvent(uniqueName('cust')));
    await producer.send({ topic, messages: events.map(eventMessage) });

    const consumer = await startConsumer(topic, countingHandlers, { groupPrefix: 'remit-test-prefix' });
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
    for (const event of events)
      expect(await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)).toBe(1);
    // The Kafka group carries the environment's prefix; the inbox keeps the consumer's short name.
    expect(consumer.kafkaGroupId).toBe(`remit-test-prefix.${consumer.groupId}`);
    const groups: { consumer_group: string }[] = await dataSource.query(
      `SELECT DISTINCT consumer_group FROM "${schema}".inbox_events WHERE event_id = ANY($1)`,
      [events.map((event) => event.id)],
    );
    expect(groups).toEqual([{ consumer_group: consumer.groupId }]);
  });

  it('a group whose committed offset is out of range restarts from the earliest offset', async () => {
    const topic = await testTopic(1);
    const groupId = uniqueName('messaging-test-inbox');
    const events = [newInvoiceEvent(uniqueName('cust')), newInvoiceEvent(uniqueName('cust'))];
    await producer.send({ topic, messages: events.map(eventMessage) });
    // As if the log had been truncated past the group's position (or the topic recreated).
    await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1000' }] });

    const consumer = await startConsumer(topic, countingHandlers, { groupId });
    for (const event of events) {
      await waitFor(
        async () =>
          (await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)) === 1 ? true : undefined,
        { what: `event ${event.id} after the offset reset` },
      );
    }
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
  });

  it('skips a replayed dead letter meant for another group', async () => {
    const topic = await testTopic(1);
    const customerId = uniqueName('cust');
    const replayedForOther = newInvoiceEvent(customerId);
    const good = newInvoiceEvent(customerId);
    await producer.send({
      topic,
      messages: [
        {
          ...eventMessage(replayedForOther),
          headers: { ce_id: replayedForOther.id, 'dlq-replay-group': 'remit-test.some-other-group' },
        },
        eventMessage(good),
      ],
    });
    const consumer = await startConsumer(topic, countingHandlers);
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
    expect(await counter(dataSource, schema, `applied-${replayedForOther.data.invoiceNumber}`)).toBe(0);
    expect(await counter(dataSource, schema, `applied-${good.data.invoiceNumber}`)).toBe(1);
  });

  it('when start() resolves, a new group reading from the latest offset gets every later message', async () => {
    const topic = await testTopic(3);
    // One customer, so one partition: once the later events are applied, the earlier one would have
    // been applied before them had the group started from the beginning.
    const customerId = uniqueName('cust');
    const before = newInvoiceEvent(customerId);
    await producer.send({ topic, messages: [eventMessage(before)] });
    await startConsumer(topic, countingHandlers, { fromBeginning: false });
    const after = Array.from({ length: 5 }, () => newInvoiceEvent(customerId));
    await producer.send({ topic, messages: after.map(eventMessage) });

    for (const event of after) {
      await waitFor(
        async () =>
          (await counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)) === 1 ? true : undefined,
        { what: `event ${event.id} to be applied` },
      );
    }
    expect(await counter(dataSource, schema, `applied-${before.data.invoiceNumber}`)).toBe(0);
  });

  it('ends a start that a stop() interrupts, leaving no member in the group', async () => {
    const topic = await testTopic(1);
    const consumer = new InboxConsumer({
      kafka,
      dataSource,
      groupId: uniqueName('messaging-test-inbox'),
      topics: [topic],
      handlers: countingHandlers,
      maxWaitTimeInMs: 100,
      logger,
    });
    // As when a service shuts down while its consumers are still connecting (InboxTransport starts
    // them in the background).
    const starting = consumer.start();
    await consumer.stop();
    await expect(starting).rejects.toThrow(/was stopped while (starting|joining)/);
    expect(consumer.isRunning).toBe(false);
    const {
      groups: [group],
    } = await admin.describeGroups([consumer.kafkaGroupId]);
    expect(group.members).toEqual([]);
  });

  it('skips events it has no handler for, known or unknown types, and carries on', async () => {
    const topic = await testTopic(1);
    const customerId = uniqueName('cust');
    const unhandled = createCloudEvent({
      type: 'notification.sent',
      source: 'remit/messaging-test',
      customerId,
      data: {
        notificationId: randomUUID(),
        sourceEventId: 'e-1',
        customerId,
        type: 'receipt',
        channel: 'email',
      },
    });
    const future = { ...newInvoiceEvent(customerId), type: 'invoice.archived', data: { anything: SECRET } };
    const good = newInvoiceEvent(customerId);
    await producer.send({
      topic,
      messages: [
        eventMessage(unhandled),
        { key: customerId, value: JSON.stringify(future) },
        eventMessage(good),
      ],
    });

    const consumer = await startConsumer(topic, countingHandlers);
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
    expect(await counter(dataSource, schema, `applied-${good.data.invoiceNumber}`)).toBe(1);
    expect(await messageCount(admin, `${topic}.dlq`)).toBe(0);
    const inbox: { event_id: string }[] = await dataSource.query(
      `SELECT event_id FROM "${schema}".inbox_events WHERE consumer_group = $1`,
      [consumer.groupId],
    );
    expect(inbox.map((row) => row.event_id)).toEqual([good.id]);
  });

  /** The group's committed offset of partition 0 (-1: nothing committed). */
  async function committedOffset(groupId: string, topic: string): Promise<string | undefined> {
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return committed?.partitions.find((partition) => partition.partition === 0)?.offset;
  }

  it('commits resolved offsets later, together, and commits what is pending when it stops', async () => {
    const topic = await testTopic(1);
    const customerId = uniqueName('cust');
    const events = [newInvoiceEvent(customerId), newInvoiceEvent(customerId), newInvoiceEvent(customerId)];
    const consumer = await startConsumer(topic, countingHandlers, { commitIntervalMs: 60_000 });
    for (const event of events) await producer.send({ topic, messages: [eventMessage(event)] });
    await waitFor(
      async () => {
        const applied = await Promise.all(
          events.map((event) => counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)),
        );
        return applied.every((count) => count === 1) ? true : undefined;
      },
      { what: 'the three events applied' },
    );
    // Applied (their inbox rows committed), their offsets not yet: the interval has not passed.
    expect(await committedOffset(consumer.kafkaGroupId, topic)).toBe('-1');

    await consumer.stop();
    expect(await committedOffset(consumer.kafkaGroupId, topic)).toBe('3');
  });

  it("commits a dead letter's offset at once: it has no inbox row to be skipped by if read again", async () => {
    const topic = await testTopic(1);
    const consumer = await startConsumer(topic, countingHandlers, { commitIntervalMs: 60_000 });
    await producer.send({ topic, messages: [{ key: uniqueName('cust'), value: 'not json' }] });
    await waitFor(
      async () => ((await committedOffset(consumer.kafkaGroupId, topic)) === '1' ? true : undefined),
      { what: "the dead letter's offset committed while the consumer runs" },
    );
    expect(await messageCount(admin, `${topic}.dlq`)).toBe(1);
    expect(consumer.isRunning).toBe(true);
  });

  it('commits what it applied when its group rebalances, so that the new member reads none of it again', async () => {
    const topic = await testTopic(2);
    const groupId = uniqueName('messaging-test-inbox');
    const applied = (events: CloudEvent<'invoice.issued'>[]): Promise<number[]> =>
      Promise.all(events.map((event) => counter(dataSource, schema, `applied-${event.data.invoiceNumber}`)));
    const sendOnePerPartition = async (events: CloudEvent<'invoice.issued'>[]): Promise<void> => {
      await producer.send({
        topic,
        messages: events.map((event, partition) => ({ ...eventMessage(event), partition })),
      });
      await waitFor(async () => ((await applied(events)).every((count) => count === 1) ? true : undefined), {
        what: 'one event per partition applied',
      });
    };
    const committed = async (): Promise<(string | undefined)[]> => {
      const [offsets] = await admin.fetchOffsets({ groupId: first.kafkaGroupId, topics: [topic] });
      return [0, 1].map((partition) => offsets?.partitions.find((p) => p.partition === partition)?.offset);
    };
    const first = await startConsumer(topic, countingHandlers, { groupId, commitIntervalMs: 60_000 });
    const before = [newInvoiceEvent(uniqueName('cust')), newInvoiceEvent(uniqueName('cust'))];
    await sendOnePerPartition(before);
    // Applied, not committed: the interval (a minute) has not passed.
    expect(await committed()).toEqual(['-1', '-1']);
    const linesBefore = logger.lines.length;

    // A second member joins: the first is told to rebalance and commits before it rejoins.
    const second = await startConsumer(topic, countingHandlers, { groupId, commitIntervalMs: 60_000 });
    await waitFor(async () => ((await committed()).every((offset) => offset === '1') ? true : undefined), {
      what: "both partitions' offsets committed by the rebalance",
    });
    expect(first.isRunning).toBe(true);
    expect(second.isRunning).toBe(true);

    // One more event per partition: the member that now owns a partition reads it from its committed
    // offset, so had it started before the applied event, it would have read that one again first (and
    // the inbox would have skipped it with the line below).
    const after = [newInvoiceEvent(uniqueName('cust')), newInvoiceEvent(uniqueName('cust'))];
    await sendOnePerPartition(after);
    const linesSince = logger.lines.slice(linesBefore).map((line) => line.message);
    expect(linesSince).not.toContain('event already processed; skipped');
    expect(await applied(before)).toEqual([1, 1]);
  });

  it('commits resolved offsets once the interval has passed, with no further message', async () => {
    const topic = await testTopic(1);
    const event = newInvoiceEvent(uniqueName('cust'));
    const consumer = await startConsumer(topic, countingHandlers, { commitIntervalMs: 200 });
    await producer.send({ topic, messages: [eventMessage(event)] });
    await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
    expect(await committedOffset(consumer.kafkaGroupId, topic)).toBe('1');
    expect(consumer.isRunning).toBe(true);
  });
});
