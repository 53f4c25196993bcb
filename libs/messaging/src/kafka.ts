import { Kafka, logLevel as KafkaLogLevel, type LogEntry, type logCreator, type RetryOptions } from 'kafkajs';
import { patchKafkajsIdleLoop, patchKafkajsRequestTimeoutCheck } from './kafkajs-idle-loop';
import { consoleLogger, describeError, type MessagingLogger } from './logger';

// Before any client exists: kafkajs 2.2.4 otherwise spins on every connection (kafkajs-idle-loop.ts).
patchKafkajsIdleLoop();
// …and checks every connection for timed-out requests ten times a second (ADR 0024).
patchKafkajsRequestTimeoutCheck();

export interface CreateKafkaOptions {
  clientId: string;
  /** `host:port` strings, e.g. parsed from KAFKA_BROKERS. */
  brokers: string[];
  logger?: MessagingLogger;
  /** The most verbose kafkajs level forwarded; INFO by default. */
  logLevel?: KafkaLogLevel;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  /**
   * How the client retries connecting to the cluster and its metadata requests (kafkajs `retry`);
   * by default 8 retries, 0.3 s growing to 10 s: about a minute, long enough to ride out a broker
   * restart. A connection attempt under way cannot be cancelled: a client closed while it retries
   * keeps retrying until they run out.
   */
  retry?: RetryOptions;
}

/**
 * Reported by kafkajs at ERROR level, yet handled: rebalances are routine, and an out-of-range
 * offset (the log was truncated past the group's position) resets the group to the earliest offset
 * (`InboxConsumerOptions.fromBeginning`), the inbox skipping what was already applied.
 */
const ROUTINE_ERRORS = [
  /The group is rebalancing/,
  /The coordinator is not aware of this member/,
  /Offset out of range, resetting to default offset/,
  /The requested offset is not within the range of offsets/,
];
/**
 * Expected by design: the relay bounds its producer's retries (a failed batch stays in the outbox,
 * the producer is recreated, consumers dedupe on the event id), which kafkajs warns about.
 */
const EXPECTED_WARNINGS = [/Limiting retries for the idempotent producer/];

/** Forwards kafkajs' own log lines to the service logger, with their namespace. */
export function kafkaLogCreator(logger: MessagingLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const fields: Record<string, unknown> = { component: 'kafkajs', namespace };
      for (const [name, value] of Object.entries(extra)) {
        // kafkajs passes on errors thrown by handlers; their properties can hold query parameters.
        fields[name] = value instanceof Error ? describeError(value) : value;
      }
      const text = String(message);
      // A failed response is logged as "Response Fetch(…)" with the broker's reason in `error`.
      const reason = typeof extra.error === 'string' ? `${text} ${extra.error}` : text;
      switch (level) {
        case KafkaLogLevel.ERROR:
          if (ROUTINE_ERRORS.some((pattern) => pattern.test(reason))) logger.warn(fields, text);
          else logger.error(fields, text);
          break;
        case KafkaLogLevel.WARN:
          if (EXPECTED_WARNINGS.some((pattern) => pattern.test(text))) logger.debug(fields, text);
          else logger.warn(fields, text);
          break;
        case KafkaLogLevel.INFO:
          logger.info(fields, text);
          break;
        case KafkaLogLevel.DEBUG:
        case KafkaLogLevel.NOTHING:
          logger.debug(fields, text);
          break;
      }
    };
}

const DEFAULT_CLIENT_RETRY: RetryOptions = {
  initialRetryTime: 300,
  maxRetryTime: 10_000,
  retries: 8,
  factor: 0.2,
  multiplier: 2,
};

/**
 * A kafkajs client with Remit's settings: logs through the service logger, short connection
 * timeout, and retries that ride out a broker restart (~1 min) without hanging a caller forever.
 */
export function createKafka(options: CreateKafkaOptions): Kafka {
  const brokers = options.brokers.map((broker) => broker.trim()).filter((broker) => broker.length > 0);
  if (brokers.length === 0) throw new Error('createKafka: no brokers given');
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 3_000,
    requestTimeout: options.requestTimeoutMs ?? 30_000,
    logLevel: options.logLevel ?? KafkaLogLevel.INFO,
    logCreator: kafkaLogCreator(options.logger ?? consoleLogger),
    retry: options.retry ?? DEFAULT_CLIENT_RETRY,
  });
  clientSettings.set(kafka, { clientId: options.clientId, brokers });
  return kafka;
}

/** Splits KAFKA_BROKERS ("host:port,host:port"). */
export function parseBrokers(value: string): string[] {
  return value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
}

/** Where each client made by `createKafka` connects, so a health probe can use its own client. */
const clientSettings = new WeakMap<Kafka, { clientId: string; brokers: string[] }>();
const healthClients = new WeakMap<Kafka, Kafka>();

/**
 * A quiet client without retries for health probes: the service client retries for up to a minute
 * (right for producers and consumers), which would leave every failed probe reconnecting in the
 * background while the broker is down.
 */
function healthClientOf(kafka: Kafka, timeoutMs: number): Kafka {
  const settings = clientSettings.get(kafka);
  if (!settings) return kafka;
  let client = healthClients.get(kafka);
  if (!client) {
    client = new Kafka({
      clientId: `${settings.clientId}-health`,
      brokers: settings.brokers,
      connectionTimeout: Math.min(timeoutMs, 3_000),
      requestTimeout: timeoutMs,
      retry: { retries: 0 },
      logLevel: KafkaLogLevel.NOTHING,
    });
    healthClients.set(kafka, client);
  }
  return client;
}

export const KafkaHealth = {
  /** True when a broker answers describeCluster within `timeoutMs`; never throws. */
  async check(kafka: Kafka, { timeoutMs = 2_000 }: { timeoutMs?: number } = {}): Promise<boolean> {
    const admin = healthClientOf(kafka, timeoutMs).admin({ retry: { retries: 0 } });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const probe = (async (): Promise<boolean> => {
      await admin.connect();
      const cluster = await admin.describeCluster();
      return cluster.brokers.length > 0;
    })().catch(() => false);
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
      // Disconnect in the background: a probe stuck on a dead broker must not delay the answer.
      void probe.finally(() => admin.disconnect().catch(() => undefined));
    }
  },
};
