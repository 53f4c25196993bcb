import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { FailureKind } from './dead-letter';
import type { MessageOutcome } from './inbox-consumer';
import type { OutboxBacklog } from './outbox-relay';

/** Why a message went to its DLQ: not a valid event, refused by its handler, or out of retries. */
export type DeadLetterReason = 'invalid' | 'refused' | 'retries_exhausted';

/**
 * What an `InboxConsumer` reports as it goes, all synchronous and in memory (no I/O, no await), so
 * that it costs the consumer nothing it would notice: a few label lookups per fetched batch and per
 * message. `MessagingMetrics.forConsumer` gives the Prometheus one; tests pass fakes.
 */
export interface ConsumerMetricsHook {
  /**
   * A batch kafkajs fetched from one partition: its size, and how many messages of the partition
   * were not yet consumed when it arrived (this batch included: `batch.offsetLagLow() + 1`).
   */
  batchFetched(topic: string, partition: number, size: number, lag: number): void;
  /** The partition's lag once the batch is done (`batch.offsetLag()`: 0 when caught up). */
  lag(topic: string, partition: number, lag: number): void;
  /** `count` messages of `topic` ended so. */
  outcome(topic: string, outcome: MessageOutcome, count: number): void;
  /** One failed run of a handler (it may be retried). */
  handlerFailed(topic: string, kind: FailureKind): void;
  deadLettered(topic: string, reason: DeadLetterReason): void;
  /** The member (re)joined its group: the partitions it reported on may now be another member's. */
  rebalanced(): void;
}

/** What an `OutboxRelay` reports: rows acknowledged by Kafka. */
export interface OutboxMetricsHook {
  published(count: number): void;
}

/** Label values of `MessageOutcome`s, in Prometheus' snake case. */
const OUTCOME_LABEL: Record<MessageOutcome, string> = {
  applied: 'applied',
  duplicate: 'duplicate',
  skipped: 'skipped',
  'dead-lettered': 'dead_lettered',
};

/**
 * Fetched batches are bounded by kafkajs' `maxBytesPerPartition` (1 MB): with events of 1–2 kB, up
 * to several hundred messages.
 */
export const CONSUMER_BATCH_SIZE_BUCKETS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

/** The longest a scrape waits for the outbox backlog query before leaving its gauges out. */
export const OUTBOX_BACKLOG_SCRAPE_TIMEOUT_MS = 500;

/**
 * The messaging library's Prometheus metrics, in the service's registry (`MessagingModuleOptions.metrics`):
 * per consumer group, fetched batch sizes, lag per partition, message outcomes, handler failures
 * and dead letters; for the outbox, published rows, and the backlog read at scrape time. Label
 * values are bounded sets: group and topic names, partition numbers, fixed outcome words. Never an
 * event id, customer id or error text.
 */
export class MessagingMetrics {
  private readonly batchSize: Histogram<'group' | 'topic'>;
  private readonly consumerLag: Gauge<'group' | 'topic' | 'partition'>;
  private readonly messages: Counter<'group' | 'topic' | 'outcome'>;
  private readonly handlerFailures: Counter<'group' | 'topic' | 'kind'>;
  private readonly deadLetters: Counter<'group' | 'topic' | 'reason'>;
  private readonly outboxPublished: Counter;
  /** The backlog reader, set by `observeOutboxBacklog`; without one the gauges stay empty. */
  private backlogReader?: () => Promise<OutboxBacklog>;
  private backlogInFlight?: Promise<OutboxBacklog | undefined>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.batchSize = new Histogram({
      name: 'remit_consumer_batch_size',
      help: 'Messages per batch fetched from one partition by an inbox consumer',
      labelNames: ['group', 'topic'],
      buckets: CONSUMER_BATCH_SIZE_BUCKETS,
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'remit_consumer_lag_messages',
      help: 'Messages of the partition not yet consumed by the group, as of its last fetched batch',
      labelNames: ['group', 'topic', 'partition'],
      registers,
    });
    this.messages = new Counter({
      name: 'remit_consumer_messages_total',
      help: 'Messages handled by an inbox consumer, by outcome (applied, duplicate, skipped, dead_lettered)',
      labelNames: ['group', 'topic', 'outcome'],
      registers,
    });
    this.handlerFailures = new Counter({
      name: 'remit_consumer_handler_failures_total',
      help: 'Failed handler runs (each retry counts), by failure kind (transient, poison, unknown)',
      labelNames: ['group', 'topic', 'kind'],
      registers,
    });
    this.deadLetters = new Counter({
      name: 'remit_consumer_dead_letters_total',
      help: 'Messages sent to <topic>.dlq, by reason (invalid, refused, retries_exhausted)',
      labelNames: ['group', 'topic', 'reason'],
      registers,
    });
    this.outboxPublished = new Counter({
      name: 'remit_outbox_published_total',
      help: 'Outbox rows published to Kafka by this process (acknowledged by the broker)',
      registers,
    });
    const backlogGauge = (name: string, help: string, value: (backlog: OutboxBacklog) => number): void => {
      const read = (): Promise<OutboxBacklog | undefined> => this.readBacklog();
      new Gauge({
        name,
        help,
        registers,
        async collect() {
          const backlog = await read();
          // Absent rather than 0 when the backlog cannot be read now: 0 would say "all sent".
          if (backlog === undefined) this.remove();
          else this.set(value(backlog));
        },
      });
    };
    backlogGauge(
      'remit_outbox_unsent',
      'Outbox rows not yet published (parked ones included), read at scrape time',
      (backlog) => backlog.unsent,
    );
    backlogGauge(
      'remit_outbox_parked',
      'Outbox rows parked after failing maxAttempts times; they wait for an operator',
      (backlog) => backlog.parked,
    );
    backlogGauge(
      'remit_outbox_oldest_unsent_age_seconds',
      'Age of the oldest unsent outbox row; 0 when nothing waits',
      (backlog) => backlog.oldestUnsentAgeMs / 1000,
    );
  }

  /** The hook of one consumer group (its short name: `invoice`, `notification.intake`). */
  forConsumer(group: string): ConsumerMetricsHook {
    // The lag series this member set, so that a rebalance can drop them (see `rebalanced`).
    const partitionsSeen = new Map<string, { group: string; topic: string; partition: string }>();
    return {
      batchFetched: (topic, partition, size, lag) => {
        this.batchSize.observe({ group, topic }, size);
        this.setLag(group, topic, partition, lag, partitionsSeen);
      },
      lag: (topic, partition, lag) => this.setLag(group, topic, partition, lag, partitionsSeen),
      outcome: (topic, outcome, count) => {
        if (count > 0) this.messages.inc({ group, topic, outcome: OUTCOME_LABEL[outcome] }, count);
      },
      handlerFailed: (topic, kind) => this.handlerFailures.inc({ group, topic, kind }),
      deadLettered: (topic, reason) => this.deadLetters.inc({ group, topic, reason }),
      rebalanced: () => {
        for (const labels of partitionsSeen.values()) this.consumerLag.remove(labels);
        partitionsSeen.clear();
      },
    };
  }

  /** The relay's hook. */
  readonly outbox: OutboxMetricsHook = {
    published: (count) => {
      if (count > 0) this.outboxPublished.inc(count);
    },
  };

  /**
   * Reads the outbox backlog at each scrape with `read` (one query for the three gauges). A read
   * that fails or takes longer than `OUTBOX_BACKLOG_SCRAPE_TIMEOUT_MS` leaves them out of that scrape.
   */
  observeOutboxBacklog(read: () => Promise<OutboxBacklog>): void {
    this.backlogReader = read;
  }

  /** One read shared by the gauges of one scrape (prom-client collects them concurrently). */
  private readBacklog(): Promise<OutboxBacklog | undefined> {
    const reader = this.backlogReader;
    if (!reader) return Promise.resolve(undefined);
    this.backlogInFlight ??= withinMs(reader(), OUTBOX_BACKLOG_SCRAPE_TIMEOUT_MS).finally(() => {
      this.backlogInFlight = undefined;
    });
    return this.backlogInFlight;
  }

  private setLag(
    group: string,
    topic: string,
    partition: number,
    lag: number,
    partitionsSeen: Map<string, { group: string; topic: string; partition: string }>,
  ): void {
    if (!Number.isFinite(lag)) return;
    const key = `${topic}/${partition}`;
    let labels = partitionsSeen.get(key);
    if (!labels) {
      labels = { group, topic, partition: String(partition) };
      partitionsSeen.set(key, labels);
    }
    this.consumerLag.set(labels, Math.max(0, lag));
  }
}

/** The promise's value, or undefined when it fails or does not settle within `ms`. Never rejects. */
export function withinMs<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
    timer.unref();
  });
  return Promise.race([promise.catch(() => undefined), timeout]).finally(() => clearTimeout(timer));
}
