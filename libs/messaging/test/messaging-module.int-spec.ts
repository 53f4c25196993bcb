import { randomUUID } from 'node:crypto';
import { Controller, Global, Module, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, type MicroserviceOptions } from '@nestjs/microservices';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import { Partitioners, type Kafka, type RetryOptions } from 'kafkajs';
import { defer, type Observable } from 'rxjs';
import { DataSource } from 'typeorm';
import { createCloudEvent, type CloudEvent, type EventType } from '@remit/contracts';
import {
  createKafka,
  DLQ_HEADERS,
  EventRefused,
  InboxTransport,
  KAFKA,
  KafkaConsumer,
  KafkaHealth,
  MESSAGING_ENTITIES,
  MessagingModule,
  Outbox,
  OutboxRelay,
  parseBrokers,
  purgeQueueName,
  silentLogger,
  waitFor,
  type InboxContext,
  type MessagingModuleOptions,
} from '@remit/messaging';
import {
  bump,
  captureLogger,
  counter,
  createTestDataSource,
  createTestTopics,
  dropTestSchema,
  invoiceIssued,
  readMessages,
  testKafka,
  uniqueName,
  waitForGroupCaughtUp,
} from './support';

jest.setTimeout(30_000);

describe(MessagingModule.name, () => {
  const schema = uniqueName('messaging_test');
  const topic = uniqueName('messaging-test.nest');
  const groupId = uniqueName('messaging-test-nest');
  const mirrorGroupId = uniqueName('messaging-test-mirror');
  const brokers = parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
  const groupPrefix = uniqueName('remit-test-nest');
  const redisUrl = new URL(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379/1');
  const bullConnection = {
    host: redisUrl.hostname,
    port: Number(redisUrl.port || 6379),
    db: Number(redisUrl.pathname.slice(1) || 0),
    maxRetriesPerRequest: null,
  };
  const bullPrefix = uniqueName('remit-test-purge');
  /** Stands for the platform's HEALTH_DETAILS registry. */
  const healthDetails = new Map<string, () => Promise<Record<string, unknown>>>();
  /** Invoice numbers the handler refuses, after its write (which must then roll back). */
  const REFUSED = 'REFUSED-';
  let setup: DataSource;
  let adminKafka: Kafka;
  let app: INestApplication | undefined;

  /**
   * What an app's Kafka adapter looks like (CONTRIBUTING.md, "Shape": thin, one use case per event
   * type). Its write happens before the refusal, so a refused event shows whether the two share the
   * inbox transaction.
   */
  @KafkaConsumer({ groupId, topics: [topic], fromBeginning: true, maxWaitTimeInMs: 100 })
  class InvoiceIssuedConsumer {
    @EventPattern<EventType>('invoice.issued')
    async onIssued(@Payload() event: CloudEvent<'invoice.issued'>, @Ctx() ctx: InboxContext): Promise<void> {
      await bump(ctx.manager, schema, `applied-${event.data.invoiceNumber}`);
      if (event.data.invoiceNumber.startsWith(REFUSED)) {
        throw new EventRefused('TEST.INVOICE_REFUSED', 'this test refuses the invoice');
      }
    }
  }

  /**
   * A second group of the same app on the same event type: its own inbox rows and transaction. It
   * answers with a cold Observable, which runs only if the transport subscribes to it.
   */
  @KafkaConsumer({ groupId: mirrorGroupId, topics: [topic], fromBeginning: true, maxWaitTimeInMs: 100 })
  class InvoiceIssuedMirror {
    @EventPattern<EventType>('invoice.issued')
    onIssued(@Payload() event: CloudEvent<'invoice.issued'>, @Ctx() ctx: InboxContext): Observable<void> {
      return defer(() => bump(ctx.manager, schema, `mirrored-${event.data.invoiceNumber}`));
    }
  }

  /** Stands for the platform's REMIT_CONFIG: what an app's module reads its settings from. */
  const TEST_CONFIG = Symbol('TEST_CONFIG');
  interface TestConfig {
    kafkaBrokers: string[];
    kafkaGroupPrefix: string;
  }

  function testAppModule(
    kafkaBrokers: string[] = brokers,
    controllers: Type<unknown>[] = [InvoiceIssuedConsumer, InvoiceIssuedMirror],
    clientRetry?: RetryOptions,
  ): Type<unknown> {
    @Global()
    @Module({
      providers: [{ provide: TEST_CONFIG, useValue: { kafkaBrokers, kafkaGroupPrefix: groupPrefix } }],
      exports: [TEST_CONFIG],
    })
    class TestConfigModule {}

    @Module({
      imports: [
        TestConfigModule,
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: process.env.DATABASE_URL,
          schema,
          entities: [...MESSAGING_ENTITIES],
          retryAttempts: 0,
        }),
        MessagingModule.forRootAsync({
          inject: [TEST_CONFIG],
          useFactory: (config: TestConfig): MessagingModuleOptions => ({
            source: 'remit/messaging-test',
            clientId: 'messaging-test-nest',
            brokers: config.kafkaBrokers,
            groupPrefix: config.kafkaGroupPrefix,
            clientRetry,
            relay: { pollIntervalMs: 50 },
            purge: { connection: bullConnection, prefix: bullPrefix, repeat: { every: 200 } },
            healthDetails: { register: (name, provider) => healthDetails.set(name, provider) },
          }),
        }),
      ],
      controllers,
    })
    class TestAppModule {}
    return TestAppModule;
  }

  /** What the platform's bootstrap does: the HTTP app with the inbox transport connected and started. */
  async function startApp(
    module: Type<unknown> = testAppModule(),
    logger: false | ['error'] = ['error'],
  ): Promise<INestApplication> {
    const started = await NestFactory.create(module, { logger, abortOnError: false });
    app = started;
    started.connectMicroservice<MicroserviceOptions>({ strategy: started.get(InboxTransport) });
    await started.init();
    await started.startAllMicroservices();
    return started;
  }

  /** Resolves once every consumer of the app has joined its group (they start in the background). */
  async function consumersRunning(started: INestApplication): Promise<InboxTransport> {
    const transport = started.get(InboxTransport);
    await waitFor(() => (transport.registered.every((consumer) => consumer.isRunning) ? true : undefined), {
      timeoutMs: 20_000,
      what: 'the consumers to join their groups',
    });
    return transport;
  }

  async function inboxRows(group: string, eventId: string): Promise<number> {
    const rows: unknown[] = await setup.query(
      `SELECT 1 FROM "${schema}".inbox_events WHERE consumer_group = $1 AND event_id = $2`,
      [group, eventId],
    );
    return rows.length;
  }

  beforeAll(async () => {
    setup = await createTestDataSource(schema);
    adminKafka = testKafka(captureLogger());
    const admin = adminKafka.admin();
    await admin.connect();
    await createTestTopics(admin, topic, 3);
    await admin.disconnect();
  });

  afterAll(async () => {
    await app?.close();
    const queue = new Queue(`messaging-purge-${schema}`, { connection: bullConnection, prefix: bullPrefix });
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    const admin = adminKafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    await dropTestSchema(setup, schema);
  });

  it('boots with the relay and one consumer per @KafkaConsumer group running, carries an event end to end, and stops on close', async () => {
    const started = await startApp();
    const transport = await consumersRunning(started);

    const consumers = transport.registered;
    expect(consumers.map((consumer) => consumer.groupId).sort()).toEqual([groupId, mirrorGroupId].sort());
    const consumer = consumers.find((candidate) => candidate.groupId === groupId);
    if (!consumer) throw new Error('no consumer for the test group');
    // The controller declared its short name; the transport put the environment's prefix in front.
    expect(consumer.kafkaGroupId).toBe(`${groupPrefix}.${groupId}`);
    const relay = started.get(OutboxRelay);
    expect(relay.isRunning).toBe(true);
    expect(started.get(Outbox).source).toBe('remit/messaging-test');
    expect(await KafkaHealth.check(started.get<Kafka>(KAFKA))).toBe(true);

    // The module's relay publishes every committed row to the row's topic; this outbox routes to
    // the test topic so that service topics stay untouched.
    const outbox = new Outbox('remit/messaging-test', { topicOf: () => topic });
    const dataSource = started.get(DataSource);
    const event = invoiceIssued(uniqueName('cust'));
    await dataSource.transaction((manager) => outbox.add(manager, event));
    await waitFor(
      async () =>
        (await counter(setup, schema, `applied-${event.data.invoiceNumber}`)) === 1 &&
        (await counter(setup, schema, `mirrored-${event.data.invoiceNumber}`)) === 1
          ? true
          : undefined,
      { what: 'the event to go outbox → relay → Kafka → both groups of the app' },
    );

    // The relay marks the row sent right after Kafka's ack, which may come after the consumer's effect.
    const outboxDetail = healthDetails.get('outbox');
    expect(outboxDetail).toBeDefined();
    const emptied = await waitFor(
      async () => {
        const detail = await outboxDetail?.();
        return detail?.unsent === 0 ? detail : undefined;
      },
      { what: 'an empty outbox in the health details' },
    );
    expect(emptied).toEqual({ unsent: 0, parked: 0, oldestUnsentAgeSeconds: 0 });

    // The consumer commits its offsets within its commit interval (500 ms) of the effect.
    const admin = adminKafka.admin();
    await admin.connect();
    await waitFor(
      async () => {
        const [committed] = await admin.fetchOffsets({ groupId: consumer.kafkaGroupId, topics: [topic] });
        return committed.partitions.some((partition) => Number(partition.offset) > 0) ? true : undefined;
      },
      { what: "the group's offset committed past the event" },
    );
    await admin.disconnect();

    await started.close();
    app = undefined;
    expect(consumers.some((candidate) => candidate.isRunning)).toBe(false);
    expect(relay.isRunning).toBe(false);
  });

  it("commits an @EventPattern handler's write with its inbox row: a refused event leaves neither and is dead-lettered, a duplicate is skipped", async () => {
    const kafka = testKafka(captureLogger());
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    const customerId = uniqueName('cust');
    const applied = createCloudEvent({ ...invoiceIssued(customerId), source: 'remit/messaging-test' });
    const refused = createCloudEvent({
      ...invoiceIssued(customerId, uniqueName(REFUSED)),
      source: 'remit/messaging-test',
    });
    const message = (event: CloudEvent) => ({ key: event.customerid, value: JSON.stringify(event) });
    await producer.connect();
    try {
      // One key, one partition: the duplicate and the refused event queue behind the first delivery.
      await producer.send({ topic, messages: [applied, applied, refused].map(message) });
    } finally {
      await producer.disconnect();
    }

    const started = await startApp();
    const transport = await consumersRunning(started);
    const admin = adminKafka.admin();
    await admin.connect();
    try {
      for (const consumer of transport.registered) {
        await waitForGroupCaughtUp(admin, consumer.kafkaGroupId, topic);
      }
    } finally {
      await admin.disconnect();
    }

    // Delivered twice, applied once: one inbox row, one effect.
    expect(await counter(setup, schema, `applied-${applied.data.invoiceNumber}`)).toBe(1);
    expect(await inboxRows(groupId, applied.id)).toBe(1);
    // Refused after its write: the write rolled back with the inbox row, at the first attempt.
    expect(await counter(setup, schema, `applied-${refused.data.invoiceNumber}`)).toBe(0);
    expect(await inboxRows(groupId, refused.id)).toBe(0);
    const [letter] = await readMessages(adminKafka, `${topic}.dlq`, 1);
    expect(JSON.parse(letter.value?.toString() ?? '{}')).toMatchObject({ id: refused.id });
    // The handler's own error reached the InboxConsumer: its code, not Nest's "Internal server error".
    expect(letter.headers).toMatchObject({
      [DLQ_HEADERS.errorCode]: 'TEST.INVOICE_REFUSED',
      [DLQ_HEADERS.consumerGroup]: `${groupPrefix}.${groupId}`,
      [DLQ_HEADERS.attempts]: '1',
    });
    // The other group has its own transactions: it applied both events, each once.
    expect(await counter(setup, schema, `mirrored-${applied.data.invoiceNumber}`)).toBe(1);
    expect(await counter(setup, schema, `mirrored-${refused.data.invoiceNumber}`)).toBe(1);
    expect(await inboxRows(mirrorGroupId, refused.id)).toBe(1);

    await started.close();
    app = undefined;
  });

  it('refuses to start an @EventPattern handler that has no @KafkaConsumer group', async () => {
    @Controller()
    class StrayHandler {
      @EventPattern<EventType>('invoice.issued')
      onIssued(): void {}
    }
    await expect(startApp(testAppModule(brokers, [StrayHandler]))).rejects.toThrow(
      "handler of 'invoice.issued' has no consumer group: its controller needs @KafkaConsumer({ groupId, topics })",
    );
    await app?.close();
    app = undefined;
  });

  it('purges old outbox and inbox rows from its BullMQ job scheduler', async () => {
    const oldSent = randomUUID();
    const oldInbox = randomUUID();
    await setup.query(
      `INSERT INTO "${schema}".outbox_events (id, topic, message_key, event_type, payload, created_at, sent_at)
       VALUES ($1, 't', 'k', 'invoice.issued', '{}'::jsonb, now() - interval '31 days', now() - interval '30 days')`,
      [oldSent],
    );
    await setup.query(
      `INSERT INTO "${schema}".inbox_events (consumer_group, event_id, event_type, topic, partition, "offset", processed_at)
       VALUES ('g', $1, 'invoice.issued', 't', 0, '0', now() - interval '40 days')`,
      [oldInbox],
    );
    healthDetails.clear();
    const started = await startApp();
    expect(purgeQueueName(started.get(DataSource))).toBe(`messaging-purge-${schema}`);
    await waitFor(
      async () => {
        const left: unknown[] = await setup.query(
          `SELECT 1 FROM "${schema}".outbox_events WHERE id = $1
           UNION ALL SELECT 1 FROM "${schema}".inbox_events WHERE event_id = $2`,
          [oldSent, oldInbox],
        );
        return left.length === 0 ? true : undefined;
      },
      { what: 'the scheduled purge' },
    );
    await started.close();
    app = undefined;
  });

  it('reports an unreachable broker as unhealthy, quickly', async () => {
    const unreachable = createKafka({
      clientId: 'messaging-test-health',
      brokers: ['127.0.0.1:1'],
      logger: silentLogger,
    });
    const started = Date.now();
    expect(await KafkaHealth.check(unreachable, { timeoutMs: 1_000 })).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('starts while the broker is unreachable, the consumers trying in the background, and closes promptly', async () => {
    const begun = Date.now();
    // Quiet, and with the client's connection retries cut to none: a kafkajs connection attempt cannot
    // be cancelled, and with the default retries (about a minute) the attempts started here went on for
    // ~40 s after the close, outliving this file (Jest then force-exited its worker). The consumers still
    // try again in the background: InboxTransport's own retries, which the close ends.
    const started = await startApp(testAppModule(['127.0.0.1:1'], undefined, { retries: 0 }), false);
    expect(Date.now() - begun).toBeLessThan(5_000);
    const transport = started.get(InboxTransport);
    expect(transport.registered).toHaveLength(2);
    expect(transport.registered.some((consumer) => consumer.isRunning)).toBe(false);
    const closing = Date.now();
    await started.close();
    app = undefined;
    expect(Date.now() - closing).toBeLessThan(5_000);
  });
});
