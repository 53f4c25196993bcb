import { Injectable, Module, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
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
  silentLogger,
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
  testKafka,
  uniqueName,
} from './support';

jest.setTimeout(30_000);

describe(MessagingModule.name, () => {
  const schema = uniqueName('messaging_test');
  const topic = uniqueName('messaging-test.nest');
  const groupId = uniqueName('messaging-test-nest');
  const brokers = parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092');
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

  @Module({
    imports: [
      TypeOrmModule.forRoot({
        type: 'postgres',
        url: process.env.DATABASE_URL,
        schema,
        entities: [...MESSAGING_ENTITIES],
        retryAttempts: 0,
      }),
      MessagingModule.forRoot({
        source: 'remit/messaging-test',
        clientId: 'messaging-test-nest',
        brokers,
        relay: { pollIntervalMs: 50 },
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

    await app.close();
    app = undefined;
    expect(consumer.isRunning).toBe(false);
    expect(relay.isRunning).toBe(false);
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
