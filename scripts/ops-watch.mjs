#!/usr/bin/env node
// `npm run ops:watch -- [--since 1h|30m|2d|<ISO instant>] [--no-follow] [--brokers host:port,...]`
// Finance ops' live view of settlement (docs/finance-ops.md, "Watching settlement"): tails
// settlement.payments.v1 and settlement.reports.v1 from a point in time as a readable table. It reads
// with a consumer group of its own (one per run, never committed), so it never moves the offsets of a
// service. kafkajs directly; no service needs to run.
import { hostname } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';

export const WATCHED_TOPICS = ['settlement.payments.v1', 'settlement.reports.v1'];

const UNITS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--since`: a duration back from `now` (`90s`, `30m`, `1h`, `2d`) or an ISO 8601 instant; epoch ms. */
export function parseSince(text, now = Date.now()) {
  const relative = /^(\d+)([smhd])$/.exec(text);
  if (relative) return now - Number(relative[1]) * UNITS[relative[2]];
  if (/^\d{4}-\d{2}-\d{2}(T.*)?$/.test(text)) {
    const instant = Date.parse(text);
    if (!Number.isNaN(instant)) return instant;
  }
  throw new Error(
    `--since must be a duration such as 1h, 30m, 2d or an ISO instant, not ${JSON.stringify(text)}`,
  );
}

/** Integer cents as dollars, `$1,234.56` (no floats: money is integer cents). */
export function dollars(cents) {
  if (typeof cents !== 'number' || !Number.isSafeInteger(cents)) return '';
  const sign = cents < 0 ? '-' : '';
  const absolute = Math.abs(cents);
  const whole = String(Math.trunc(absolute / 100)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}$${whole}.${String(absolute % 100).padStart(2, '0')}`;
}

/** One table row of a CloudEvent from a settlement topic. */
export function rowOf(event) {
  const data = event.data ?? {};
  const base = {
    time: typeof event.time === 'string' ? event.time.replace('T', ' ').replace(/\.\d+Z$/, 'Z') : '',
    type: event.type ?? '?',
    payment: data.paymentId ?? data.receiptId ?? data.fileId ?? '',
    customer: data.customerId ?? '',
    amount: dollars(data.amountCents ?? data.totalDebitCents),
  };
  switch (event.type) {
    case 'payment.scheduled':
      return {
        ...base,
        status: `${data.status ?? 'scheduled'} → ${data.expectedPostingDate} (${data.method?.type})`,
      };
    case 'payment.posted':
      return { ...base, status: `posted ${data.postingDate} (${data.method?.type})` };
    case 'payment.returned':
      return { ...base, status: `${data.returnCode} ${data.returnDescription ?? ''}`.trim() };
    case 'payment.failed':
      return { ...base, status: `${data.code}: ${data.reason}` };
    case 'payment.expired':
      return { ...base, status: `expired (${data.method?.type})` };
    case 'payment.canceled':
      return { ...base, status: 'canceled' };
    case 'payment.notice-of-change':
      return { ...base, status: `${data.changeCode} ${data.description ?? ''}`.trim() };
    case 'receipt.unmatched':
      return { ...base, status: `unmatched ${data.type} ${data.reference} → credit` };
    case 'ach-file.created':
      return {
        ...base,
        payment: data.fileId,
        status: `file ${data.businessDate} ${data.fileIdModifier}: ${data.entryCount} entries`,
      };
    case 'settlement-day.closed': {
      const posted = Object.entries(data.posted ?? {})
        .map(([method, total]) => `${method} ${total.count}/${dollars(total.cents)}`)
        .join(', ');
      const returns = (data.returns ?? []).reduce((sum, entry) => sum + entry.count, 0);
      return {
        ...base,
        payment: data.businessDate,
        amount: dollars(Object.values(data.posted ?? {}).reduce((sum, total) => sum + total.cents, 0)),
        status: `closed: ${posted || 'nothing posted'}; ${returns} return(s), fees ${dollars(data.returnFees?.cents ?? 0)}`,
      };
    }
    default:
      return { ...base, status: '' };
  }
}

const COLUMNS = [
  ['time', 20],
  ['type', 24],
  ['payment', 36],
  ['customer', 20],
  ['amount', 14],
  ['status', 0],
];

export function formatRow(row) {
  return COLUMNS.map(([key, width]) => {
    const value = String(row[key] ?? '');
    if (width === 0) return value;
    return key === 'amount' ? value.padStart(width) : value.padEnd(width);
  }).join('  ');
}

export function header() {
  const titles = Object.fromEntries(COLUMNS.map(([key]) => [key, key.toUpperCase()]));
  const line = formatRow(titles);
  return `${line}\n${'-'.repeat(Math.max(line.length, 120))}`;
}

function parseArgs(argv) {
  const options = { since: '1h', follow: true, brokers: process.env.KAFKA_BROKERS || '127.0.0.1:9092' };
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index];
    if (argument === '--since') options.since = argv[++index];
    else if (argument.startsWith('--since=')) options.since = argument.slice('--since='.length);
    else if (argument === '--no-follow') options.follow = false;
    else if (argument === '--brokers') options.brokers = argv[++index];
    else if (argument === '--help' || argument === '-h') options.help = true;
    else throw new Error(`unknown argument ${argument}`);
  }
  return options;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.help) {
    console.log(
      'usage: npm run ops:watch -- [--since 1h|30m|2d|<ISO instant>] [--no-follow] [--brokers host:port,...]',
    );
    return;
  }
  const since = parseSince(options.since);
  const kafka = new Kafka({
    clientId: 'remit-ops-watch',
    brokers: options.brokers
      .split(',')
      .map((broker) => broker.trim())
      .filter(Boolean),
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  // Where to start (the first offset at or after --since) and, for --no-follow, where to stop.
  const start = new Map();
  const end = new Map();
  for (const topic of WATCHED_TOPICS) {
    const high = await admin.fetchTopicOffsets(topic);
    const fromTime = await admin.fetchTopicOffsetsByTimestamp(topic, since);
    for (const { partition, offset } of high) end.set(`${topic}:${partition}`, BigInt(offset));
    for (const { partition, offset } of fromTime) {
      const last = end.get(`${topic}:${partition}`);
      start.set(`${topic}:${partition}`, offset === '-1' ? last : BigInt(offset));
    }
  }
  await admin.disconnect();

  const consumer = kafka.consumer({ groupId: `remit-ops-watch-${hostname()}-${process.pid}-${Date.now()}` });
  const stop = async (code = 0) => {
    await consumer.disconnect().catch(() => undefined);
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  const pending = new Set([...end].filter(([key, last]) => start.get(key) < last).map(([key]) => key));

  console.log(
    `settlement events since ${new Date(since).toISOString()} (${options.follow ? 'Ctrl-C to stop' : 'until caught up'})`,
  );
  console.log(header());
  if (!options.follow && pending.size === 0) return stop(0);
  await consumer.connect();
  await consumer.subscribe({ topics: WATCHED_TOPICS, fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, partition, message }) => {
      const key = `${topic}:${partition}`;
      if (BigInt(message.offset) >= start.get(key)) {
        try {
          console.log(formatRow(rowOf(JSON.parse(message.value?.toString() ?? '{}'))));
        } catch {
          console.log(
            formatRow({ type: '(not a CloudEvent)', status: `${topic}[${partition}]@${message.offset}` }),
          );
        }
      }
      if (!options.follow && BigInt(message.offset) + 1n >= end.get(key)) {
        pending.delete(key);
        if (pending.size === 0) await stop(0);
      }
    },
  });
  for (const [key, offset] of start) {
    const separator = key.lastIndexOf(':');
    consumer.seek({
      topic: key.slice(0, separator),
      partition: Number(key.slice(separator + 1)),
      offset: String(offset),
    });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error) => {
    console.error(`ops:watch: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
