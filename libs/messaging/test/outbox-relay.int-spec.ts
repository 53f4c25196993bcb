import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { parseCloudEvent, type CloudEvent, type EventType } from '@remit/contracts';
import {
  cloudEventHeaders,
  InboxConsumer,
  notifyOutboxAfterCommit,
  Outbox,
  OUTBOX_ROWS_PER_INSERT,
  OutboxPublishError,
  OutboxRelay,
  waitFor,
  type OutboxRelayOptions,
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

  interface OutboxRowState {
    sent_at: Date | null;
    attempts: number;
    last_error: string | null;
    next_attempt_at: Date | null;
    parked_at: Date | null;
    claimed_until: Date | null;
    claimed_by: string | null;
  }

  async function outboxRow(id: string): Promise<OutboxRowState> {
    const [row]: OutboxRowState[] = await dataSource.query(
      `SELECT sent_at, attempts, last_error, next_attempt_at, parked_at, claimed_until, claimed_by
       FROM "${schema}".outbox_events WHERE id = $1`,
      [id],
    );
    return row;
  }

  /**
   * The distinct event ids on `topic`. A batch that failed may have been written in part (the
   * partitions without the poison row) before its rows were sent one by one: duplicates, which
   * consumers skip (inbox).
   */
  async function publishedIds(topic: string): Promise<Set<string>> {
    const messages = await readMessages(kafka, topic, await messageCount(admin, topic));
    return new Set(messages.map((message) => message.headers.ce_id));
  }

  async function unsentRows(): Promise<number> {
    const rows: { count: string }[] = await dataSource.query(
      `SELECT count(*) FROM "${schema}".outbox_events WHERE sent_at IS NULL`,
    );
    return Number(rows[0]?.count);
  }

  /**
   * A relay that `outbox.notify()` wakes, with a poll interval far beyond the test timeout: only a
   * notification gets events out in time.
   */
  function relayOnNotify(outbox: Outbox, options: Partial<OutboxRelayOptions> = {}): OutboxRelay {
    return new OutboxRelay({ dataSource, kafka, logger, outbox, pollIntervalMs: 600_000, ...options });
  }

  const untilIdle = (relay: OutboxRelay): Promise<boolean> =>
    waitFor(() => (relay.isIdle ? true : undefined), { what: 'the relay to idle' });

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

  it('adds many events of one transaction in one statement per OUTBOX_ROWS_PER_INSERT, in order, each published once', async () => {
    const { topic, outbox } = await testTopic(1);
    const customers = [uniqueName('cust'), uniqueName('cust')];
    const inputs = Array.from({ length: OUTBOX_ROWS_PER_INSERT + 2 }, (_, index) =>
      invoiceIssued(customers[index % 2]),
    );
    let statements = 0;
    const events = await dataSource.transaction(async (manager) => {
      const query = jest.spyOn(manager, 'query');
      const added = await outbox.addMany(manager, inputs);
      statements = query.mock.calls.length;
      return added;
    });
    expect(statements).toBe(2);
    expect(events.map((event) => event.data)).toEqual(inputs.map((input) => input.data));
    const rows: { id: string; message_key: string; headers: Record<string, string> }[] =
      await dataSource.query(`SELECT id, message_key, headers FROM "${schema}".outbox_events ORDER BY seq`);
    expect(rows.map((row) => row.id)).toEqual(events.map((event) => event.id));
    expect(rows[1]).toMatchObject({ message_key: customers[1], headers: cloudEventHeaders(events[1]) });

    const relay = new OutboxRelay({ dataSource, kafka, logger });
    try {
      await waitFor(
        async () => ((await relay.relayOnce()) === 0 && (await unsentRows()) === 0 ? true : undefined),
        {
          timeoutMs: 20_000,
          what: 'every added event published',
        },
      );
    } finally {
      await relay.stop();
    }
    const messages = await readMessages(kafka, topic, events.length);
    // One partition: the topic holds the events in the order they were added.
    expect(messages.map((message) => parseCloudEvent(message.value))).toEqual(events);
  });

  it('adds none of many events when one breaks its contract, and refuses outside a transaction', async () => {
    const { outbox } = await testTopic(1);
    const invalid = invoiceIssued('c-3');
    invalid.data.amountDueCents = 12.5;
    await expect(
      dataSource.transaction((manager) => outbox.addMany(manager, [invoiceIssued('c-3'), invalid])),
    ).rejects.toThrow();
    expect(await unsentRows()).toBe(0);
    await expect(outbox.addMany(dataSource.manager, [invoiceIssued('c-3')])).rejects.toThrow(
      /open transaction/,
    );
    expect(await dataSource.transaction((manager) => outbox.addMany(manager, []))).toEqual([]);
  });

  it("writes prepared events inside the caller's own statement, filtered and in order, and wakes the relay", async () => {
    const { outbox } = await testTopic(1);
    const customers = [uniqueName('cust'), uniqueName('cust'), uniqueName('cust')];
    const prepared = outbox.prepare(customers.map((customer) => invoiceIssued(customer)));
    expect(() =>
      outbox.prepare([{ ...invoiceIssued('c-4'), data: { amountDueCents: 0.5 } } as never]),
    ).toThrow();
    const woken = jest.fn();
    const unsubscribe = outbox.onNotify(woken);
    notifyOutboxAfterCommit(dataSource);
    try {
      // One statement, no transaction: the CTE writes the events whose customer the caller picked.
      const picked = [customers[2], customers[0]];
      const written: { id: string }[] = await dataSource.query(
        `WITH wanted AS (SELECT unnest($7::text[]) AS customer_id),
              inserted AS (${prepared.insert(dataSource, 1, 'event.message_key IN (SELECT customer_id FROM wanted)')}
                           RETURNING id)
         SELECT id FROM inserted`,
        [...prepared.parameters, picked],
      );
      outbox.written(dataSource.manager);
      expect(woken).toHaveBeenCalledTimes(1);
      const expected = [prepared.events[0], prepared.events[2]];
      expect(written.map((row) => row.id).sort()).toEqual(expected.map((event) => event.id).sort());
      const rows: { id: string; payload: unknown; headers: Record<string, string> }[] =
        await dataSource.query(
          `SELECT id, payload, headers FROM "${schema}".outbox_events WHERE id = ANY($1::uuid[]) ORDER BY seq`,
          [prepared.events.map((event) => event.id)],
        );
      expect(rows).toEqual(
        expected.map((event) => ({ id: event.id, payload: event, headers: cloudEventHeaders(event) })),
      );
      // In a transaction the relay hears of it after the commit, and not at all after a rollback.
      const again = outbox.prepare([invoiceIssued(customers[1])]);
      await expect(
        dataSource.transaction(async (manager) => {
          await manager.query(
            `WITH inserted AS (${again.insert(dataSource, 1)} RETURNING id) SELECT id FROM inserted`,
            [...again.parameters],
          );
          outbox.written(manager);
          expect(woken).toHaveBeenCalledTimes(1);
          throw new Error('rolled back');
        }),
      ).rejects.toThrow('rolled back');
      expect(woken).toHaveBeenCalledTimes(1);
      await dataSource.transaction(async (manager) => {
        await manager.query(
          `WITH inserted AS (${again.insert(dataSource, 1)} RETURNING id) SELECT id FROM inserted`,
          [...again.parameters],
        );
        outbox.written(manager);
      });
      expect(woken).toHaveBeenCalledTimes(2);
    } finally {
      unsubscribe();
    }
  });

  it("marks a round's rows in the claim of the round that follows at once, and leaves every row sent", async () => {
    const { topic, outbox } = await testTopic(1);
    const customerId = uniqueName('cust');
    const events = await dataSource.transaction(async (manager) => {
      const added = [];
      for (let index = 0; index < 5; index += 1)
        added.push(await outbox.add(manager, invoiceIssued(customerId)));
      return added;
    });
    const query = jest.spyOn(dataSource, 'query');
    let calls: unknown[][];
    // Batches of 2: two full rounds, whose rows the next claim marks, then a last round of 1.
    const relay = new OutboxRelay({ dataSource, kafka, logger, batchSize: 2, pollIntervalMs: 50 });
    relay.start();
    try {
      await waitFor(async () => ((await unsentRows()) === 0 ? true : undefined), {
        timeoutMs: 20_000,
        what: 'every row marked sent',
      });
    } finally {
      await relay.stop();
      calls = [...query.mock.calls];
      query.mockRestore();
    }
    const statements = calls.map(([sql]) => String(sql).trim());
    const marksAlone = statements.filter(
      (sql) => sql.startsWith('UPDATE') && sql.includes('SET sent_at = now()'),
    );
    const claimsThatMark = calls.filter(
      ([sql, parameters]) =>
        String(sql).includes('WITH marked AS') && ((parameters as unknown[])[3] as string[]).length > 0,
    );
    expect(claimsThatMark).toHaveLength(2);
    expect(marksAlone).toHaveLength(1);
    const messages = await readMessages(kafka, topic, events.length);
    expect(messages.map((message) => parseCloudEvent(message.value).id)).toEqual(
      events.map((event) => event.id),
    );
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
      // A short lease: the crashed relay's claim on the row ends soon, as it would after leaseMs.
      leaseMs: 200,
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
      // Nothing to claim while the dead relay's lease runs; then the row goes out again.
      await waitFor(async () => ((await restarted.relayOnce()) === 1 ? true : undefined), {
        what: 'the row to be republished once the lease ended',
      });
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

  it("holds back the later rows of a key while another relay's claim on an earlier one lasts, and publishes them in order after it", async () => {
    const { topic, outbox } = await testTopic(1);
    const held = uniqueName('cust');
    const other = uniqueName('cust');
    const add = (customerId: string): Promise<CloudEvent> =>
      dataSource.transaction((manager) => outbox.add(manager, invoiceIssued(customerId)));
    const first = await add(held);

    // A relay claims the first row and dies before publishing it: its lease holds the row.
    const dying = new OutboxRelay({
      dataSource,
      kafka,
      logger,
      leaseMs: 4_000,
      afterPublishBeforeMark: () => {
        throw new Error('simulated crash after publish, before mark');
      },
    });
    await expect(dying.relayOnce()).rejects.toThrow('simulated crash');
    await dying.stop();
    expect((await outboxRow(first.id)).claimed_until).toBeInstanceOf(Date);
    const behind = await add(held);
    const unrelated = await add(other);

    // One row per round: a row held back must not take the place of one that can go.
    const relay = new OutboxRelay({ dataSource, kafka, logger, batchSize: 1 });
    try {
      // While the lease lasts only the other customer's row goes; the one behind the claim waits.
      expect(await relay.relayOnce()).toBe(1);
      expect((await outboxRow(unrelated.id)).sent_at).toBeInstanceOf(Date);
      expect((await outboxRow(behind.id)).sent_at).toBeNull();
      // Once it ended, the claimed row and then the one behind it.
      await waitFor(
        async () => {
          await relay.relayOnce();
          return (await unsentRows()) === 0 ? true : undefined;
        },
        { what: 'the held key to be published once the lease ended' },
      );
    } finally {
      await relay.stop();
    }
    const messages = await readMessages(kafka, topic, await messageCount(admin, topic));
    expect(
      messages.filter((message) => message.key === held).map((message) => message.headers.ce_id),
    ).toEqual([first.id, first.id, behind.id]);
  });

  it("leaves a key's later rows while another relay's claim has its earlier row locked (SKIP LOCKED), and publishes them in order after", async () => {
    const { topic, outbox } = await testTopic(1);
    const locked = uniqueName('cust');
    const other = uniqueName('cust');
    const add = (customerId: string): Promise<CloudEvent> =>
      dataSource.transaction((manager) => outbox.add(manager, invoiceIssued(customerId)));
    const first = await add(locked);
    const behind = await add(locked);
    const unrelated = await add(other);

    // Another relay's claim statement, caught between locking the first row and committing its lease:
    // the row is locked but still looks unclaimed, so a claim skips it and sees the one behind it.
    const otherClaim = dataSource.createQueryRunner();
    await otherClaim.connect();
    await otherClaim.startTransaction();
    const relay = new OutboxRelay({ dataSource, kafka, logger });
    try {
      await otherClaim.query(`SELECT id FROM "${schema}".outbox_events WHERE id = $1 FOR UPDATE`, [first.id]);
      expect(await relay.relayOnce()).toBe(1);
      expect((await outboxRow(unrelated.id)).sent_at).toBeInstanceOf(Date);
      expect((await outboxRow(behind.id)).sent_at).toBeNull();
      expect((await outboxRow(behind.id)).claimed_until).toBeNull();

      await otherClaim.rollbackTransaction();
      await relay.relayOnce();
      expect((await outboxRow(first.id)).sent_at).toBeInstanceOf(Date);
      expect((await outboxRow(behind.id)).sent_at).toBeInstanceOf(Date);
    } finally {
      if (otherClaim.isTransactionActive) await otherClaim.rollbackTransaction();
      await otherClaim.release();
      await relay.stop();
    }
    const messages = await readMessages(kafka, topic, await messageCount(admin, topic));
    expect(
      messages.filter((message) => message.key === locked).map((message) => message.headers.ce_id),
    ).toEqual([first.id, behind.id]);
  });

  it("a poison outbox row does not delay another customer's events: retried alone, parked, holding back only its own key", async () => {
    // The topic refuses record batches above 5000 bytes; an ordinary event is well below.
    const topic = uniqueName('messaging-test.relay');
    await createTestTopics(admin, topic, 3, [{ name: 'max.message.bytes', value: '5000' }]);
    topics.push(topic, `${topic}.dlq`);
    const outbox = new Outbox('remit/messaging-test', { topicOf: () => topic });
    const poisoned = uniqueName('cust');
    const other = uniqueName('cust');
    const add = (customerId: string, invoiceNumber?: string): Promise<CloudEvent> =>
      dataSource.transaction((manager) => outbox.add(manager, invoiceIssued(customerId, invoiceNumber)));
    const poison = await add(poisoned, `INV-${'9'.repeat(20_000)}`);
    const others = [await add(other)];
    const behindPoison = await add(poisoned);
    others.push(await add(other), await add(other));

    const relay = new OutboxRelay({
      dataSource,
      kafka,
      logger,
      maxAttempts: 2,
      retryBackoffMs: 50,
      producerRetry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
    });
    try {
      // One round: the batch fails, the rows go one by one, the other customer's events are out.
      expect(await relay.relayOnce()).toBe(3);
      expect(await publishedIds(topic)).toEqual(new Set(others.map((event) => event.id)));
      let row = await outboxRow(poison.id);
      expect(row).toMatchObject({ attempts: 1, sent_at: null, parked_at: null, claimed_by: null });
      expect(row.last_error).toMatch(/^MESSAGE_TOO_LARGE: /);
      expect(row.next_attempt_at).toBeInstanceOf(Date);
      expect((await outboxRow(behindPoison.id)).sent_at).toBeNull();

      // Alone, after its backoff, it fails again and is parked; its own key stays held back.
      await waitFor(
        async () => {
          await relay.relayOnce();
          return (await outboxRow(poison.id)).parked_at !== null ? true : undefined;
        },
        { what: 'the poison row to be parked' },
      );
      row = await outboxRow(poison.id);
      expect(row.attempts).toBe(2);
      expect(row.last_error).toMatch(/^MESSAGE_TOO_LARGE: /);

      // Other keys keep flowing; the row behind the parked one does not move.
      const later = await add(other);
      expect(await relay.relayOnce()).toBe(1);
      expect(await relay.relayOnce()).toBe(0);
      expect((await outboxRow(later.id)).sent_at).toBeInstanceOf(Date);
      expect((await outboxRow(behindPoison.id)).sent_at).toBeNull();
      expect(await relay.backlog()).toMatchObject({ unsent: 2, parked: 1 });
      expect(await publishedIds(topic)).toEqual(new Set([...others, later].map((event) => event.id)));
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          level: 'error',
          message: 'outbox row parked: later events of its key wait until it is requeued',
          fields: expect.objectContaining({ eventId: poison.id, attempts: 2, reason: 'MESSAGE_TOO_LARGE' }),
        }),
      );
    } finally {
      await relay.stop();
    }
  });

  it('publishes a parked row, then the rows behind it in order, once it is requeued', async () => {
    const missingTopic = uniqueName('messaging-test.missing');
    const { topic, outbox: healthy } = await testTopic(1);
    const customerId = uniqueName('cust');
    // The customer's first event goes to a topic that does not exist yet; the next to one that does.
    const misrouted = new Outbox('remit/messaging-test', { topicOf: () => missingTopic });
    const first = await dataSource.transaction((manager) =>
      misrouted.add(manager, invoiceIssued(customerId)),
    );
    const second = await dataSource.transaction((manager) => healthy.add(manager, invoiceIssued(customerId)));
    const relay = new OutboxRelay({
      dataSource,
      kafka,
      logger,
      maxAttempts: 1,
      producerRetry: { retries: 1, initialRetryTime: 50, maxRetryTime: 200 },
    });
    try {
      expect(await relay.relayOnce()).toBe(0);
      const row = await outboxRow(first.id);
      expect(row.parked_at).toBeInstanceOf(Date);
      expect(row.last_error).toMatch(/^UNKNOWN_TOPIC_OR_PARTITION: /);
      expect(await relay.relayOnce()).toBe(0);
      expect(await messageCount(admin, topic)).toBe(0);

      await createTestTopics(admin, missingTopic, 1);
      topics.push(missingTopic, `${missingTopic}.dlq`);
      expect(await relay.requeueParked([first.id])).toBe(1);
      expect(await relay.relayOnce()).toBe(2);
    } finally {
      await relay.stop();
    }
    expect(await unsentRows()).toBe(0);
    expect((await readMessages(kafka, missingTopic, 1))[0].headers.ce_id).toBe(first.id);
    expect((await readMessages(kafka, topic, 1))[0].headers.ce_id).toBe(second.id);
  });

  it('charges no row while the broker is unreachable, and releases its claims', async () => {
    const { outbox } = await testTopic(1);
    const event = await dataSource.transaction((manager) =>
      outbox.add(manager, invoiceIssued(uniqueName('cust'))),
    );
    // Nothing listens on port 1: connecting fails at once, as with a broker that is down.
    const unreachable = new Kafka({
      clientId: uniqueName('messaging-test-down'),
      brokers: ['127.0.0.1:1'],
      retry: { retries: 0 },
      logLevel: logLevel.NOTHING,
    });
    const relay = new OutboxRelay({ dataSource, kafka: unreachable, logger });
    try {
      const failure: unknown = await relay.relayOnce().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OutboxPublishError);
      expect((failure as OutboxPublishError).eventIds).toEqual([event.id]);
    } finally {
      await relay.stop();
    }
    expect(await outboxRow(event.id)).toMatchObject({
      attempts: 0,
      parked_at: null,
      next_attempt_at: null,
      claimed_by: null,
      claimed_until: null,
    });
  });

  it('treats a broker lost half-way through a failed batch as an outage: nothing charged, all released', async () => {
    const { outbox } = await testTopic(1);
    const missingTopic = uniqueName('messaging-test.missing');
    const misrouted = new Outbox('remit/messaging-test', { topicOf: () => missingTopic });
    const failing = await dataSource.transaction((manager) =>
      misrouted.add(manager, invoiceIssued(uniqueName('cust'))),
    );
    const healthy = await dataSource.transaction((manager) =>
      outbox.add(manager, invoiceIssued(uniqueName('cust'))),
    );
    // The broker answers when the batch fails, and is gone when the first row fails on its own.
    const answers = [true, false];
    const relay = new OutboxRelay({
      dataSource,
      kafka,
      logger,
      producerRetry: { retries: 0 },
      brokerReachable: () => Promise.resolve(answers.shift() ?? false),
    });
    try {
      const failure: unknown = await relay.relayOnce().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OutboxPublishError);
      expect((failure as OutboxPublishError).eventIds).toEqual([failing.id, healthy.id]);
    } finally {
      await relay.stop();
    }
    for (const id of [failing.id, healthy.id])
      expect(await outboxRow(id)).toMatchObject({ attempts: 0, sent_at: null, claimed_by: null });
  });

  it('holds no row lock while it publishes', async () => {
    const { outbox } = await testTopic(1);
    const event = await dataSource.transaction((manager) =>
      outbox.add(manager, invoiceIssued(uniqueName('cust'))),
    );
    const lockedBy: string[][] = [];
    const relay = new OutboxRelay({
      dataSource,
      kafka,
      logger,
      afterPublishBeforeMark: async (ids) => {
        // NOWAIT fails at once (55P03) if any connection holds a lock on the rows.
        const rows: { id: string }[] = await dataSource.query(
          `SELECT id FROM "${schema}".outbox_events WHERE id = ANY($1::uuid[]) FOR UPDATE NOWAIT`,
          [ids],
        );
        lockedBy.push(rows.map((row) => row.id));
      },
    });
    try {
      expect(await relay.relayOnce()).toBe(1);
    } finally {
      await relay.stop();
    }
    expect(lockedBy).toEqual([[event.id]]);
  });

  it('reports the age of the oldest unsent row', async () => {
    const { outbox } = await testTopic(1);
    const relay = new OutboxRelay({ dataSource, kafka, logger });
    expect(await relay.oldestUnsentAgeMs()).toBe(0);
    const event = await dataSource.transaction((manager) =>
      outbox.add(manager, invoiceIssued(uniqueName('cust'))),
    );
    await dataSource.query(
      `UPDATE "${schema}".outbox_events SET created_at = now() - interval '5 minutes' WHERE id = $1`,
      [event.id],
    );
    expect(await relay.oldestUnsentAgeMs()).toBeGreaterThanOrEqual(300_000);
    expect(await relay.backlog()).toMatchObject({ unsent: 1, parked: 0 });
    try {
      expect(await relay.relayOnce()).toBe(1);
    } finally {
      await relay.stop();
    }
    expect(await relay.oldestUnsentAgeMs()).toBe(0);
  });

  it('publishes on notify() and right after a commit, without waiting for the next poll', async () => {
    const { topic, outbox } = await testTopic(1);
    const relay = relayOnNotify(outbox);
    const idle = (): Promise<boolean> => untilIdle(relay);
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

  it('with a linger, gathers the commits that follow a wake-up into one round, in order', async () => {
    const { topic, outbox } = await testTopic(1);
    notifyOutboxAfterCommit(dataSource);
    const rounds: string[][] = [];
    const relay = relayOnNotify(outbox, {
      // Far longer than five commits take: every one of them lands in the first round.
      lingerMs: 2_000,
      afterPublishBeforeMark: (ids) => {
        rounds.push(ids);
      },
    });
    relay.start();
    try {
      await untilIdle(relay);
      const customerId = uniqueName('cust');
      const events = [];
      for (let index = 0; index < 5; index += 1) {
        events.push(
          await dataSource.transaction((manager) => outbox.add(manager, invoiceIssued(customerId))),
        );
      }
      await waitFor(async () => ((await unsentRows()) === 0 ? true : undefined), {
        timeoutMs: 20_000,
        what: 'every row marked sent',
      });
      expect(rounds).toEqual([events.map((event) => event.id)]);
      const messages = await readMessages(kafka, topic, events.length);
      expect(messages.map((message) => parseCloudEvent(message.value).id)).toEqual(
        events.map((event) => event.id),
      );
    } finally {
      await relay.stop();
    }
  });

  it('stops at once while it lingers, and refuses a linger as long as its lease', async () => {
    const { outbox } = await testTopic(1);
    // A linger beyond the test timeout: stop() must cut it short.
    const relay = relayOnNotify(outbox, { lingerMs: 100_000, leaseMs: 200_000 });
    relay.start();
    await untilIdle(relay);
    await dataSource.transaction((manager) => outbox.add(manager, invoiceIssued(uniqueName('cust'))));
    outbox.notify();
    await waitFor(() => (relay.isLingering ? true : undefined), { what: 'the relay to linger' });
    await relay.stop();
    expect(relay.isRunning).toBe(false);
    // Stopped during its linger, it published nothing: the row waits for the next relay.
    expect(await unsentRows()).toBe(1);
    expect(() => new OutboxRelay({ dataSource, kafka, logger, lingerMs: 60_000, leaseMs: 60_000 })).toThrow(
      'lingerMs',
    );
  });
});
