/**
 * After the whole suite (scripts/test.mjs runs this last, with jest.scan.config.js): no full bank account
 * number used by the tests is anywhere it must never be — a table (ciphertext columns aside), a Kafka
 * message (any topic, dead letters included), a Redis key or value, or the suite's output (the services'
 * logs). The account numbers are not listed by hand: they are the clear text of every ciphertext the
 * suite left in the test database, decrypted with the test data keys (docs/architecture.md, "Money and
 * data"). Numbers shorter than MIN_DIGITS are not searched: they cannot be told from amounts and ids.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import { logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createKafka } from '@remit/messaging';
import { AccountNumberCipher, loadConfig, requirePaymentDataKey } from '@remit/platform';

const MIN_DIGITS = 6;
const SCHEMAS = ['intake', 'invoice', 'settlement', 'notification'];
/** scripts/test.mjs copies the suite's output here. */
const SUITE_OUTPUT = path.join(__dirname, '..', '..', '.run', 'test-output.log');

const config = loadConfig();
const cipher = new AccountNumberCipher(requirePaymentDataKey(config), config.previousPaymentDataKeys);
const dataSource = new DataSource({ type: 'postgres', url: config.databaseUrl });

interface CiphertextColumn {
  schema: string;
  table: string;
  column: string;
}

const accountNumbers = new Set<string>();
let ciphertextColumns: CiphertextColumn[] = [];
let pattern: RegExp;

function tryDecrypt(ciphertext: string, row: Record<string, unknown>): string | null {
  const keyIds = Object.entries(row)
    .filter(([name, value]) => /key_?id/i.test(name) && typeof value === 'string')
    .map(([, value]) => value as string);
  const candidates = Object.values(row).filter((value): value is string => typeof value === 'string');
  for (const keyId of keyIds.length > 0 ? keyIds : [requirePaymentDataKey(config).keyId]) {
    for (const boundTo of candidates) {
      try {
        return cipher.decrypt(ciphertext, keyId, boundTo);
      } catch {
        // not this key id or this id as additional authenticated data
      }
    }
  }
  return null;
}

/** Clear account numbers found in `text`, for the failure message (never printed in full). */
function hitsIn(text: string): string[] {
  return [...text.matchAll(pattern)].map((match) => `…${match[0].slice(-4)}`);
}

beforeAll(async () => {
  await dataSource.initialize();
  ciphertextColumns = await dataSource.query<CiphertextColumn[]>(
    `SELECT table_schema AS schema, table_name AS "table", column_name AS column
       FROM information_schema.columns
      WHERE table_schema = ANY($1) AND column_name LIKE '%ciphertext%'`,
    [SCHEMAS],
  );
  for (const { schema, table, column } of ciphertextColumns) {
    const rows = await dataSource.query<Record<string, unknown>[]>(
      `SELECT * FROM "${schema}"."${table}" WHERE "${column}" IS NOT NULL`,
    );
    for (const row of rows) {
      const clear = tryDecrypt(String(row[column]), row);
      if (clear !== null && new RegExp(`^\\d{${MIN_DIGITS},17}$`).test(clear)) accountNumbers.add(clear);
    }
  }
  const alternatives = [...accountNumbers].sort((a, b) => b.length - a.length).join('|');
  pattern = new RegExp(`(?<!\\d)(?:${alternatives})(?!\\d)`, 'g');
}, 120_000);

afterAll(async () => {
  await dataSource.destroy();
});

describe('no full account number after the suite', () => {
  it('has account numbers to look for: the clear text of the ciphertexts the suite stored', () => {
    expect(ciphertextColumns.length).toBeGreaterThan(0);
    expect(accountNumbers.size).toBeGreaterThan(0);
  });

  it('finds none in any table, ciphertext columns aside', async () => {
    const tables = await dataSource.query<{ schema: string; table: string }[]>(
      `SELECT table_schema AS schema, table_name AS "table" FROM information_schema.tables
        WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'`,
      [SCHEMAS],
    );
    const found: string[] = [];
    for (const { schema, table } of tables) {
      const skipped = ciphertextColumns
        .filter((column) => column.schema === schema && column.table === table)
        .map((column) => column.column);
      const rows = await dataSource.query<{ row: string }[]>(
        `SELECT (to_jsonb(t) - $1::text[])::text AS row FROM "${schema}"."${table}" t`,
        [skipped],
      );
      for (const { row } of rows) {
        const hits = hitsIn(row);
        if (hits.length > 0) found.push(`${schema}.${table}: ${hits.join(', ')}`);
      }
    }
    expect(found).toEqual([]);
  }, 300_000);

  it('finds none in any Kafka message of any topic', async () => {
    const kafka = createKafka({
      clientId: 'remit-account-number-scan',
      brokers: config.kafkaBrokers,
      logLevel: logLevel.ERROR,
    });
    const admin = kafka.admin();
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => !topic.startsWith('__'));
    const ends = new Map<string, number>();
    for (const topic of topics) {
      for (const partition of await admin.fetchTopicOffsets(topic)) {
        if (Number(partition.high) > Number(partition.low)) {
          ends.set(`${topic}/${partition.partition}`, Number(partition.high));
        }
      }
    }
    await admin.disconnect();
    const found: string[] = [];
    let read = 0;
    if (ends.size > 0) {
      const consumer = kafka.consumer({ groupId: `remit-account-number-scan-${Date.now()}` });
      await consumer.connect();
      await consumer.subscribe({ topics, fromBeginning: true });
      const remaining = new Set(ends.keys());
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`Kafka scan: ${remaining.size} partition(s) not read to their end`)),
          240_000,
        );
        void consumer.run({
          eachMessage: ({ topic, partition, message }) => {
            read += 1;
            const headers = Object.values(message.headers ?? {}).map((value) => String(value ?? ''));
            const text = [message.key?.toString() ?? '', message.value?.toString() ?? '', ...headers].join(
              '\n',
            );
            const hits = hitsIn(text);
            if (hits.length > 0) found.push(`${topic}[${partition}]@${message.offset}: ${hits.join(', ')}`);
            const id = `${topic}/${partition}`;
            if (Number(message.offset) + 1 >= (ends.get(id) ?? 0)) remaining.delete(id);
            if (remaining.size === 0) {
              clearTimeout(timer);
              resolve();
            }
            return Promise.resolve();
          },
        });
      });
      await consumer.disconnect();
    }
    expect(read).toBeGreaterThan(0);
    expect(found).toEqual([]);
  }, 300_000);

  it('finds none in any Redis key or value', async () => {
    const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 3 });
    const found: string[] = [];
    let keys = 0;
    try {
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'COUNT', 500);
        cursor = next;
        for (const key of batch) {
          keys += 1;
          const type = await redis.type(key);
          let content: unknown;
          if (type === 'string') content = await redis.get(key);
          else if (type === 'hash') content = await redis.hgetall(key);
          else if (type === 'list') content = await redis.lrange(key, 0, -1);
          else if (type === 'set') content = await redis.smembers(key);
          else if (type === 'zset') content = await redis.zrange(key, 0, -1, 'WITHSCORES');
          else if (type === 'stream') content = await redis.xrange(key, '-', '+');
          const hits = hitsIn(`${key}\n${JSON.stringify(content ?? null)}`);
          if (hits.length > 0) found.push(`${key} (${type}): ${hits.join(', ')}`);
        }
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
    expect(keys).toBeGreaterThan(0);
    expect(found).toEqual([]);
  }, 300_000);

  it("finds none in the suite's output, where the services log", () => {
    expect(existsSync(SUITE_OUTPUT)).toBe(true);
    const output = readFileSync(SUITE_OUTPUT, 'utf8');
    expect(output.length).toBeGreaterThan(0);
    const found = output
      .split('\n')
      .map((line, index) => ({ index, hits: hitsIn(line) }))
      .filter((line) => line.hits.length > 0)
      .map((line) => `line ${line.index + 1}: ${line.hits.join(', ')}`);
    expect(found).toEqual([]);
  });
});
