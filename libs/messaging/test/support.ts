import { randomUUID } from 'node:crypto';
import {
  Partitioners,
  type Admin,
  type IHeaders,
  type Kafka,
  type KafkaMessage,
  type Producer,
} from 'kafkajs';
import { DataSource } from 'typeorm';
import type { OutboxEventInput } from '@remit/messaging';
import {
  createKafka,
  createMessagingTables,
  MESSAGING_ENTITIES,
  upgradeMessagingTablesV2,
  upgradeMessagingTablesV3,
  parseBrokers,
  waitFor,
  type MessagingLogger,
} from '@remit/messaging';

/** A logger that keeps every line, to assert on (and to print when a test fails). */
export interface CapturedLine {
  level: keyof MessagingLogger;
  message: string;
  fields: Record<string, unknown>;
}

export function captureLogger(): MessagingLogger & { lines: CapturedLine[]; text(): string } {
  const lines: CapturedLine[] = [];
  const at =
    (level: keyof MessagingLogger) =>
    (fields: Record<string, unknown>, message: string): void => {
      lines.push({ level, message, fields });
    };
  return {
    lines,
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    text: () =>
      lines
        .map(
          (line) =>
            `${line.level} ${line.message} ${JSON.stringify(line.fields, (_key, value: unknown) => (value instanceof Error ? value.message : value))}`,
        )
        .join('\n'),
  };
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
}

export function testKafka(logger: MessagingLogger, clientId = uniqueName('messaging-test')): Kafka {
  return createKafka({
    clientId,
    brokers: parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
    logger,
  });
}

/**
 * A DataSource on the test database, in its own schema (like a service's), with the messaging
 * tables as the services' migrations make them (first migration, then the V2 upgrade) and a
 * `counters` table that handlers and use cases write their "effect" to.
 */
export async function createTestDataSource(schema: string): Promise<DataSource> {
  const url = process.env.DATABASE_URL;
  if (!url || !/test/.test(new URL(url).pathname))
    throw new Error(`refusing to use database ${url ?? '(unset)'}`);
  const dataSource = new DataSource({
    type: 'postgres',
    url,
    schema,
    entities: [...MESSAGING_ENTITIES],
    poolSize: 5,
  });
  await dataSource.initialize();
  const queryRunner = dataSource.createQueryRunner();
  try {
    await createMessagingTables(queryRunner, schema);
    await upgradeMessagingTablesV2(queryRunner, schema);
    await upgradeMessagingTablesV3(queryRunner, schema);
    await queryRunner.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".counters (name text PRIMARY KEY, value integer NOT NULL DEFAULT 0)`,
    );
  } finally {
    await queryRunner.release();
  }
  return dataSource;
}

/** What a consumer or dead-letter test talks to: its schema's DataSource, Kafka, an admin and a producer. */
export interface TestClients {
  dataSource: DataSource;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
}

/** Opens the `TestClients` of a spec (its `beforeAll`); `closeTestClients` undoes it. */
export async function openTestClients(schema: string, logger: MessagingLogger): Promise<TestClients> {
  const dataSource = await createTestDataSource(schema);
  const kafka = testKafka(logger);
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await Promise.all([admin.connect(), producer.connect()]);
  return { dataSource, kafka, admin, producer };
}

/** Deletes the spec's topics, disconnects, and drops its schema (its `afterAll`). */
export async function closeTestClients(
  { dataSource, admin, producer }: TestClients,
  schema: string,
  topics: string[],
): Promise<void> {
  await admin.deleteTopics({ topics }).catch(() => undefined);
  await Promise.all([admin.disconnect(), producer.disconnect()]);
  await dropTestSchema(dataSource, schema);
}

export async function dropTestSchema(dataSource: DataSource, schema: string): Promise<void> {
  if (!dataSource.isInitialized) return;
  await dataSource.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await dataSource.destroy();
}

/** Adds one to a counter: the observable "effect" of a use case or handler. */
export async function bump(
  manager: { query: DataSource['query'] },
  schema: string,
  name: string,
): Promise<void> {
  await manager.query(
    `INSERT INTO "${schema}".counters (name, value) VALUES ($1, 1)
     ON CONFLICT (name) DO UPDATE SET value = counters.value + 1`,
    [name],
  );
}

export async function counter(dataSource: DataSource, schema: string, name: string): Promise<number> {
  const rows: { value: number }[] = await dataSource.query(
    `SELECT value FROM "${schema}".counters WHERE name = $1`,
    [name],
  );
  return rows[0]?.value ?? 0;
}

/** Creates `topic` and its `.dlq` twin (auto-creation is off on the broker). */
export async function createTestTopics(
  admin: Admin,
  topic: string,
  partitions = 3,
  configEntries: { name: string; value: string }[] = [],
): Promise<void> {
  await admin.createTopics({
    waitForLeaders: true,
    topics: [
      { topic, numPartitions: partitions, replicationFactor: 1, configEntries },
      { topic: `${topic}.dlq`, numPartitions: 1, replicationFactor: 1 },
    ],
  });
}

/** How many messages the topic holds (all partitions, from the log start). */
export async function messageCount(admin: Admin, topic: string): Promise<number> {
  const offsets = await admin.fetchTopicOffsets(topic);
  return offsets.reduce((sum, partition) => sum + Number(partition.high) - Number(partition.low), 0);
}

/**
 * Resolves once `groupId` has committed offsets up to the end of every non-empty partition of
 * `topic`. Only for groups that read from the beginning: a group that started at the latest offset
 * never commits on a partition that received nothing since.
 */
export async function waitForGroupCaughtUp(
  admin: Admin,
  groupId: string,
  topic: string,
  timeoutMs = 20_000,
): Promise<void> {
  await waitFor(
    async () => {
      const [ends, committed] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const done = new Map<number, string>();
      for (const partition of committed[0]?.partitions ?? []) done.set(partition.partition, partition.offset);
      const caughtUp = ends.every((end) => {
        const high = Number(end.high);
        const at = Number(done.get(end.partition) ?? '-1');
        return high === Number(end.low) || at >= high;
      });
      return caughtUp ? true : undefined;
    },
    { timeoutMs, intervalMs: 100, what: `group ${groupId} to consume ${topic} to the end` },
  );
}

export interface ReadMessage {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  headers: Record<string, string>;
}

function headerText(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  }
  return out;
}

/** Reads `topic` from the beginning with a throwaway group until `count` messages arrived. */
export async function readMessages(
  kafka: Kafka,
  topic: string,
  count: number,
  timeoutMs = 20_000,
): Promise<ReadMessage[]> {
  const consumer = kafka.consumer({ groupId: uniqueName('messaging-test-reader'), maxWaitTimeInMs: 200 });
  const messages: ReadMessage[] = [];
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: ({
        topic: from,
        partition,
        message,
      }: {
        topic: string;
        partition: number;
        message: KafkaMessage;
      }) => {
        messages.push({
          topic: from,
          partition,
          offset: message.offset,
          key: message.key?.toString() ?? null,
          value: message.value,
          headers: headerText(message.headers),
        });
        return Promise.resolve();
      },
    });
    await waitFor(() => (messages.length >= count ? true : undefined), {
      timeoutMs,
      what: `${count} message(s) on ${topic} (have ${messages.length})`,
    });
  } finally {
    await consumer.disconnect();
  }
  return messages;
}

/** A valid `invoice.issued` event for `customerId` (the outbox adds id, source and time). */
export function invoiceIssued(
  customerId: string,
  invoiceNumber = uniqueName('INV'),
): OutboxEventInput<'invoice.issued'> {
  return {
    type: 'invoice.issued',
    customerId,
    data: {
      invoiceId: randomUUID(),
      invoiceNumber,
      customerId,
      accountNumber: '1234567',
      invoiceDate: '2026-11-02',
      dueDate: '2026-12-02',
      invoiceAmountCents: 34_618,
      amountDueCents: 34_618,
      status: 'open',
    },
  };
}
