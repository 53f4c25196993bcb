import { randomUUID } from 'node:crypto';
import { Global, Injectable, Module, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Queue } from 'bullmq';
import type { Kafka } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  ConsumerHost,
  createKafka,
  KAFKA,
  KafkaHealth,
  MESSAGING_ENTITIES,
  MessagingModule,
  Outbox,
  OutboxRelay,
  parseBrokers,
  purgeQueueName,
  silentLogger,
  waitFor,
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
  testKafka,
  uniqueName,
} from './support';

jest.setTimeout(30_000);

describe(MessagingModule.name, () => {
  const schema = uniqueName('messaging_test');
  const topic = uniqueName('messaging-test.nest');
  const groupId = uniqueName('messaging-test-nest');
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
  let setup: DataSource;
  let adminKafka: Kafka;
  let app: INestApplicationContext | undefined;

  /** What an app's Kafka adapter looks like (CONTRIBUTING.md, "Shape": thin, one use case per event type). */
  @Injectable()
  class InvoiceIssuedConsumer implements OnModuleInit {
    constructor(private readonly host: ConsumerHost) {}

    onModuleInit(): void {
      this.host.register({
        groupId,
        topics: [topic],
        fromBeginning: true,
        maxWaitTimeInMs: 100,
        handlers: {
          'invoice.issued': (event, manager) => bump(manager, schema, `applied-${event.data.invoiceNumber}`),
        },
      });
    }
  }

  /** Stands for the platform's REMIT_CONFIG: what an app's module reads its settings from. */
  const TEST_CONFIG = Symbol('TEST_CONFIG');
  interface TestConfig {
    kafkaBrokers: string[];
    kafkaGroupPrefix: string;
  }
  @Global()
  @Module({
    providers: [{ provide: TEST_CONFIG, useValue: { kafkaBrokers: brokers, kafkaGroupPrefix: groupPrefix } }],
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
          relay: { pollIntervalMs: 50 },
          purge: { connection: bullConnection, prefix: bullPrefix, repeat: { every: 200 } },
          healthDetails: { register: (name, provider) => healthDetails.set(name, provider) },
        }),
      }),
    ],
    providers: [InvoiceIssuedConsumer],
  })
  class TestAppModule {}

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

  it('boots with the relay and the registered consumers running, carries an event end to end, and stops on close', async () => {
    app = await NestFactory.createApplicationContext(TestAppModule, { logger: ['error'] });
    await app.init();

    const host = app.get(ConsumerHost);
    const [consumer] = host.registered;
    expect(consumer.isRunning).toBe(true);
    // The adapter registered its short name; the module put the environment's prefix in front.
    expect(consumer.groupId).toBe(groupId);
    expect(consumer.kafkaGroupId).toBe(`${groupPrefix}.${groupId}`);
    const relay = app.get(OutboxRelay);
    expect(relay.isRunning).toBe(true);
    expect(app.get(Outbox).source).toBe('remit/messaging-test');
    expect(await KafkaHealth.check(app.get<Kafka>(KAFKA))).toBe(true);

    // The module's relay publishes every committed row to the row's topic; this outbox routes to
    // the test topic so that service topics stay untouched.
    const outbox = new Outbox('remit/messaging-test', { topicOf: () => topic });
    const dataSource = app.get(DataSource);
    const event = invoiceIssued(uniqueName('cust'));
    await dataSource.transaction((manager) => outbox.add(manager, event));
    await waitFor(
      async () =>
        (await counter(setup, schema, `applied-${event.data.invoiceNumber}`)) === 1 ? true : undefined,
      {
        what: 'the event to go outbox → relay → Kafka → consumer',
      },
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

    const admin = adminKafka.admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: consumer.kafkaGroupId, topics: [topic] });
    await admin.disconnect();
    expect(committed.partitions.some((partition) => Number(partition.offset) > 0)).toBe(true);

    await app.close();
    app = undefined;
    expect(consumer.isRunning).toBe(false);
    expect(relay.isRunning).toBe(false);
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
    app = await NestFactory.createApplicationContext(TestAppModule, { logger: ['error'] });
    await app.init();
    expect(purgeQueueName(app.get(DataSource))).toBe(`messaging-purge-${schema}`);
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
    await app.close();
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
});
