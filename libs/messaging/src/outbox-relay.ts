import {
  Partitioners,
  type Kafka,
  type Message,
  type Producer,
  type RetryOptions,
  type TopicMessages,
} from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import { backoffDelay } from './backoff';
import { consoleLogger, describeError, type MessagingLogger } from './logger';
import { qualifiedTableName } from './messaging-tables';
import { CLOUDEVENTS_CONTENT_TYPE, type Outbox } from './outbox';
import { OutboxEventEntity } from './outbox-event.entity';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  kafka: Kafka;
  logger?: MessagingLogger;
  /** Rows per transaction (and per Kafka batch). */
  batchSize?: number;
  /** How often the loop looks for rows when nobody calls `notify()`. */
  pollIntervalMs?: number;
  /** Longest wait between attempts while Kafka or PostgreSQL keep failing. */
  maxErrorBackoffMs?: number;
  /** When given, `outbox.notify()` wakes this relay. */
  outbox?: Outbox;
  /**
   * The producer's retries for one batch. Bounded, so a dead broker fails the batch (recorded on
   * the rows) instead of holding the row locks forever; the next round retries with a new producer.
   */
  producerRetry?: RetryOptions;
  /**
   * Tests only: runs after Kafka acknowledged a batch and before the rows are marked sent. Throwing
   * here simulates a crash at the worst moment: the transaction rolls back, the rows stay unsent
   * and the next relay publishes them again with the same event ids.
   */
  afterPublishBeforeMark?: (eventIds: string[]) => Promise<void> | void;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  event_type: string;
  payload: Record<string, unknown>;
  headers: Record<string, string> | null;
  attempts: number;
  /** An earlier unsent row of the same key is held by another relay: wait for it (key order). */
  blocked: boolean;
}

/** Raised by `relayOnce` when Kafka refused a batch; the rows' attempts and last_error are recorded. */
export class OutboxPublishError extends Error {
  readonly code = 'MESSAGING.OUTBOX_PUBLISH_FAILED';
  constructor(
    readonly eventIds: string[],
    cause: unknown,
  ) {
    super(`publishing ${eventIds.length} outbox event(s) failed: ${describeError(cause).errorMessage}`, {
      cause,
    });
    this.name = 'OutboxPublishError';
  }
}

const LAST_ERROR_MAX_LENGTH = 2_000;

/**
 * Publishes committed outbox rows to Kafka, at least once and in creation order per key.
 *
 * Each batch is one PostgreSQL transaction: lock unsent rows (`FOR UPDATE SKIP LOCKED`, so several
 * relay instances share the work without publishing a row twice), send them with an idempotent
 * producer and `acks: all`, mark them sent, commit. A crash between the send and the commit
 * republishes the same events (same ids) later; consumers dedupe on the id (inbox).
 */
export class OutboxRelay {
  private readonly dataSource: DataSource;
  private readonly kafka: Kafka;
  private readonly logger: MessagingLogger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxErrorBackoffMs: number;
  private readonly outbox?: Outbox;
  private readonly producerRetry: RetryOptions;
  private readonly afterPublishBeforeMark?: (eventIds: string[]) => Promise<void> | void;

  private producer?: Promise<Producer>;
  private loop?: Promise<void>;
  private stopping = false;
  private kicked = false;
  private wake?: () => void;
  private unsubscribe?: () => void;
  private table?: string;

  constructor(options: OutboxRelayOptions) {
    this.dataSource = options.dataSource;
    this.kafka = options.kafka;
    this.logger = options.logger ?? consoleLogger;
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
    this.maxErrorBackoffMs = options.maxErrorBackoffMs ?? 5_000;
    this.outbox = options.outbox;
    this.producerRetry = options.producerRetry ?? { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 };
    this.afterPublishBeforeMark = options.afterPublishBeforeMark;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new Error('batchSize must be a positive integer');
  }

  get isRunning(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  /** True while the loop waits for the next poll or a `notify()`. */
  get isIdle(): boolean {
    return this.wake !== undefined;
  }

  /** Starts the polling loop (idempotent). Failures are logged and retried with backoff, never thrown. */
  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.unsubscribe = this.outbox?.onNotify(() => this.notify());
    this.loop = this.run();
  }

  /** Relay now rather than at the next poll (call after committing outbox rows). */
  notify(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** Lets the batch in flight finish, then disconnects the producer. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.wake?.();
    await this.loop;
    this.loop = undefined;
    await this.disconnectProducer();
  }

  /**
   * Publishes one batch of unsent rows; returns how many were published. Throws
   * `OutboxPublishError` (after recording the failure on the rows) when Kafka refuses the batch.
   */
  async relayOnce(): Promise<number> {
    const producer = await this.connectedProducer();
    const outcome = await this.dataSource.transaction((manager) => this.relayBatch(manager, producer));
    if (outcome.failure) {
      await this.disconnectProducer();
      throw outcome.failure;
    }
    return outcome.published;
  }

  /** Deletes rows sent before `before` (the outbox is not an archive); returns how many. */
  async purgeSent(before: Date): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `DELETE FROM ${this.tableName()} WHERE sent_at IS NOT NULL AND sent_at < $1 RETURNING id`,
      [before],
    );
    return rows.length;
  }

  private async relayBatch(
    manager: EntityManager,
    producer: Producer,
  ): Promise<{ published: number; failure?: OutboxPublishError }> {
    const table = this.tableName();
    // Rows another relay holds are skipped; a row whose key has an earlier unsent row outside this
    // batch (held by another relay) is left for a later round, so a customer's events keep order.
    const rows: OutboxRow[] = await manager.query(
      `WITH batch AS (
         SELECT id, created_at, seq, message_key FROM ${table}
         WHERE sent_at IS NULL
         ORDER BY created_at, seq
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       )
       SELECT o.id, o.topic, o.message_key, o.event_type, o.payload, o.headers, o.attempts,
         EXISTS (
           SELECT 1 FROM ${table} earlier
           WHERE earlier.sent_at IS NULL
             AND earlier.message_key = b.message_key
             AND (earlier.created_at, earlier.seq) < (b.created_at, b.seq)
             AND earlier.id NOT IN (SELECT id FROM batch)
         ) AS blocked
       FROM batch b JOIN ${table} o ON o.id = b.id
       ORDER BY b.created_at, b.seq`,
      [this.batchSize],
    );
    const ready = rows.filter((row) => !row.blocked);
    if (ready.length === 0) return { published: 0 };
    const ids = ready.map((row) => row.id);
    try {
      await producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(ready) });
    } catch (error) {
      const failure = new OutboxPublishError(ids, error);
      await manager.query(
        `UPDATE ${table} SET attempts = attempts + 1, last_error = $2 WHERE id = ANY($1::uuid[])`,
        [ids, failure.message.slice(0, LAST_ERROR_MAX_LENGTH)],
      );
      return { published: 0, failure };
    }
    await this.afterPublishBeforeMark?.(ids);
    await manager.query(`UPDATE ${table} SET sent_at = now() WHERE id = ANY($1::uuid[])`, [ids]);
    this.logger.debug({ count: ids.length, firstEventId: ids[0] }, 'outbox batch published');
    return { published: ids.length };
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.kicked = false;
      let published = 0;
      try {
        published = await this.relayOnce();
        if (failures > 0) this.logger.info({ failures }, 'outbox relay recovered');
        failures = 0;
      } catch (error) {
        failures += 1;
        const fields = {
          failures,
          ...(error instanceof OutboxPublishError
            ? { count: error.eventIds.length, firstEventId: error.eventIds[0] }
            : {}),
          ...describeError(error instanceof OutboxPublishError ? error.cause : error),
        };
        this.logger.warn(fields, 'outbox relay failed; will retry');
      }
      if (this.stopping) break;
      if (published >= this.batchSize) continue;
      if (failures > 0)
        await this.idle(backoffDelay(failures, this.pollIntervalMs, this.maxErrorBackoffMs), false);
      else await this.idle(this.pollIntervalMs, true);
    }
  }

  /** Waits `ms`; a `notify()` ends the wait early when `wakeable` (`stop()` always does). */
  private async idle(ms: number, wakeable: boolean): Promise<void> {
    if (wakeable && this.kicked) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        if (wakeable || this.stopping) done();
      };
    });
    this.wake = undefined;
  }

  private tableName(): string {
    this.table ??= qualifiedTableName(this.dataSource, OutboxEventEntity);
    return this.table;
  }

  private connectedProducer(): Promise<Producer> {
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        retry: this.producerRetry,
      });
      const connecting = producer.connect().then(() => producer);
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
      this.producer = connecting;
    }
    return this.producer;
  }

  private async disconnectProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    if (!producer) return;
    try {
      await (await producer).disconnect();
    } catch {
      // Already unusable: nothing to release.
    }
  }
}

function toTopicMessages(rows: OutboxRow[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const row of rows) {
    const messages = byTopic.get(row.topic) ?? [];
    messages.push({
      key: row.message_key,
      value: JSON.stringify(row.payload),
      headers: {
        ...(row.headers ?? {}),
        ce_id: row.id,
        ce_type: row.event_type,
        'content-type': CLOUDEVENTS_CONTENT_TYPE,
      },
    });
    byTopic.set(row.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
