import { randomUUID } from 'node:crypto';
import {
  Partitioners,
  type Kafka,
  type Message,
  type Producer,
  type RetryOptions,
  type TopicMessages,
} from 'kafkajs';
import type { DataSource } from 'typeorm';
import { backoffDelay } from './backoff';
import { KafkaHealth } from './kafka';
import { consoleLogger, describeError, type MessagingLogger } from './logger';
import type { OutboxMetricsHook } from './messaging-metrics';
import { qualifiedTableName } from './messaging-tables';
import { CLOUDEVENTS_CONTENT_TYPE, type Outbox } from './outbox';
import { OutboxEventEntity, outboxHeld } from './outbox-event.entity';

export interface OutboxRelayOptions {
  dataSource: DataSource;
  kafka: Kafka;
  logger?: MessagingLogger;
  /** Rows per claim (and per Kafka batch). */
  batchSize?: number;
  /**
   * How often the loop looks for rows when nobody calls `notify()`: 1 s by default. Commits through
   * `Outbox.add` wake the relay at once (`notifyOutboxAfterCommit`), so the poll only finds rows
   * due again (retries, ended leases) or written by another process; polling faster costs idle CPU.
   */
  pollIntervalMs?: number;
  /** Longest wait between rounds while the broker or PostgreSQL is down. */
  maxErrorBackoffMs?: number;
  /**
   * How long the loop, woken by a commit, waits for more rows before it claims them: 0 by default
   * (at once). For events nobody waits on, a linger of tens of milliseconds turns a round per commit
   * into a round per linger under a steady flow (a claim, a send and a mark each), for that much
   * delay on every event. A full batch is never held back.
   */
  lingerMs?: number;
  /** When given, `outbox.notify()` wakes this relay. */
  outbox?: Outbox;
  /**
   * The producer's retries for one send. Bounded, so that a failing row is soon retried on its own
   * (see `OutboxRelay`) and a send rarely outlives the lease.
   */
  producerRetry?: RetryOptions;
  /**
   * How long claimed rows belong to this relay. A relay that dies mid-batch delays those rows (and
   * later rows of their keys) by this much; one whose send outlives it may see another relay
   * publish the same rows again: a duplicate, which consumers skip (inbox), never a loss.
   */
  leaseMs?: number;
  /** Failed attempts of one row before it is parked (1 = park at the first failure). */
  maxAttempts?: number;
  /** Delay before a failed row is retried; doubles per attempt up to `maxRetryBackoffMs`. */
  retryBackoffMs?: number;
  maxRetryBackoffMs?: number;
  /**
   * Whether the broker answers, asked when a send fails: if it does not, the failure is an outage,
   * counted against no row. Defaults to `KafkaHealth.check`.
   */
  brokerReachable?: () => Promise<boolean>;
  /**
   * Tests only: runs after Kafka acknowledged rows and before they are marked sent. Throwing here
   * simulates a crash at the worst moment: the rows stay unsent (and claimed until the lease ends)
   * and are published again, with the same event ids.
   */
  afterPublishBeforeMark?: (eventIds: string[]) => Promise<void> | void;
  /** Where published rows are counted (`MessagingMetrics.outbox`); nothing without it. */
  metrics?: OutboxMetricsHook;
}

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  event_type: string;
  payload: Record<string, unknown>;
  headers: Record<string, string> | null;
  attempts: number;
  created_at: Date;
  /** bigint, as text. */
  seq: string;
}

/** How much is waiting in the outbox: for health details and metrics. */
export interface OutboxBacklog {
  /** Rows not yet published, parked ones included. */
  unsent: number;
  /** Rows that failed `maxAttempts` times and wait for an operator. */
  parked: number;
  /** Age of the oldest unsent row; 0 when nothing waits. */
  oldestUnsentAgeMs: number;
}

/**
 * Raised by `relayOnce` when the broker cannot be reached: no row is charged an attempt, the claims
 * are released, and the loop backs off as a whole.
 */
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

/** A row another relay is not publishing, that is due, and that is not parked. */
const claimable = (row: string): string =>
  `${row}.parked_at IS NULL
   AND (${row}.next_attempt_at IS NULL OR ${row}.next_attempt_at <= now())
   AND (${row}.claimed_until IS NULL OR ${row}.claimed_until <= now())`;

/**
 * Publishes committed outbox rows to Kafka, at least once and in creation order per key (the
 * customer id).
 *
 * Rows are claimed with a lease in one short statement, published outside any transaction, and
 * marked sent in another short statement — or, when the loop's next round follows at once (load),
 * by that round's claim, in the same statement. We chose the lease over holding `FOR UPDATE` locks
 * across the send: a send can take as long as the producer's retries (tens of seconds against a
 * sick broker), and a transaction open that long pins a pool connection, holds back vacuum, and
 * leaves the rows locked for whoever else needs them. `FOR UPDATE SKIP LOCKED` is still used, only
 * for the instant of the claim, so that relay instances never claim the same rows.
 *
 * A customer's events leave in order: a row is claimed only when every earlier unsent row of its
 * key is claimed in the same batch. When a batch fails and the broker still answers, the rows are
 * sent one by one: the failing row is charged an attempt and retried on its own with backoff, then
 * parked after `maxAttempts` (with its `last_error`), holding back only later rows of its own key;
 * every other key flows. When the broker does not answer, nothing is charged and the loop backs off.
 *
 * A crash between a send and its mark republishes the same events (same ids) once the lease ends;
 * consumers dedupe on the id (inbox).
 */
export class OutboxRelay {
  /** This instance's name on the rows it claims. */
  readonly relayId = randomUUID();
  private readonly dataSource: DataSource;
  private readonly kafka: Kafka;
  private readonly logger: MessagingLogger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxErrorBackoffMs: number;
  private readonly lingerMs: number;
  private readonly outbox?: Outbox;
  private readonly producerRetry: RetryOptions;
  private readonly leaseMs: number;
  private readonly maxAttempts: number;
  private readonly retryBackoffMs: number;
  private readonly maxRetryBackoffMs: number;
  private readonly brokerReachable: () => Promise<boolean>;
  private readonly afterPublishBeforeMark?: (eventIds: string[]) => Promise<void> | void;
  private readonly metrics?: OutboxMetricsHook;

  private producer?: Promise<Producer>;
  private loop?: Promise<void>;
  private stopping = false;
  private kicked = false;
  private lingering = false;
  private wake?: () => void;
  private unsubscribe?: () => void;
  private table?: string;
  /**
   * Rows published by the loop's last round and not marked yet: when another round follows at once,
   * its claim marks them in the same statement (a statement fewer per round under load).
   */
  private unmarked: string[] = [];

  constructor(options: OutboxRelayOptions) {
    this.dataSource = options.dataSource;
    this.kafka = options.kafka;
    this.logger = options.logger ?? consoleLogger;
    this.batchSize = options.batchSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.maxErrorBackoffMs = options.maxErrorBackoffMs ?? 5_000;
    this.lingerMs = options.lingerMs ?? 0;
    this.outbox = options.outbox;
    this.producerRetry = options.producerRetry ?? { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 };
    this.leaseMs = options.leaseMs ?? 60_000;
    this.maxAttempts = options.maxAttempts ?? 10;
    this.retryBackoffMs = options.retryBackoffMs ?? 1_000;
    this.maxRetryBackoffMs = options.maxRetryBackoffMs ?? 300_000;
    this.brokerReachable = options.brokerReachable ?? (() => KafkaHealth.check(this.kafka));
    this.afterPublishBeforeMark = options.afterPublishBeforeMark;
    this.metrics = options.metrics;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1)
      throw new Error('batchSize must be a positive integer');
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1)
      throw new Error('maxAttempts must be a positive integer');
    if (!(this.leaseMs > 0)) throw new Error('leaseMs must be positive');
    if (!(this.lingerMs >= 0) || this.lingerMs >= this.leaseMs) {
      throw new Error('lingerMs must be at least 0 and shorter than leaseMs');
    }
  }

  get isRunning(): boolean {
    return this.loop !== undefined && !this.stopping;
  }

  /** True while the loop waits for the next poll or a `notify()`. */
  get isIdle(): boolean {
    return this.wake !== undefined && !this.lingering;
  }

  /** True while the loop, woken by a commit, waits `lingerMs` for more rows before its round. */
  get isLingering(): boolean {
    return this.lingering;
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
    if (this.unmarked.length > 0) await this.markUnmarked();
    await this.disconnectProducer();
  }

  /**
   * Claims and publishes one batch; returns how many rows were published. A row that fails while
   * the broker answers is recorded on the row (attempts, backoff, parking) and does not throw.
   * Throws `OutboxPublishError` when the broker cannot be reached (nothing charged to any row).
   */
  async relayOnce(): Promise<number> {
    return this.relayRound(false);
  }

  /**
   * One round. With `foldMark`, rows published while another round is already due (a `notify()`
   * arrived during the send, or the batch was full) are left for that round's claim to mark.
   */
  private async relayRound(foldMark: boolean): Promise<number> {
    const rows = await this.claim();
    if (rows.length === 0) return 0;
    try {
      const producer = await this.connectedProducer();
      await producer.sendBatch({ acks: -1, topicMessages: toTopicMessages(rows) });
    } catch (error) {
      await this.disconnectProducer();
      return this.isolate(rows, error);
    }
    const ids = rows.map((row) => row.id);
    if (foldMark && !this.stopping && (this.kicked || rows.length >= this.batchSize)) {
      await this.afterPublishBeforeMark?.(ids);
      this.unmarked = ids;
    } else {
      await this.markSent(ids);
    }
    this.logger.debug({ count: rows.length, firstEventId: rows[0].id }, 'outbox batch published');
    return rows.length;
  }

  /** Age of the oldest unsent row (parked included) in milliseconds; 0 when nothing waits. */
  async oldestUnsentAgeMs(): Promise<number> {
    return (await this.backlog()).oldestUnsentAgeMs;
  }

  /** Unsent and parked rows and the age of the oldest unsent one (uses the partial unsent index). */
  async backlog(): Promise<OutboxBacklog> {
    const [row]: { unsent: string; parked: string; age_ms: number | null }[] = await this.dataSource.query(
      `SELECT count(*) AS unsent,
              count(*) FILTER (WHERE parked_at IS NOT NULL) AS parked,
              (extract(epoch FROM now() - min(created_at)) * 1000)::float8 AS age_ms
       FROM ${this.tableName()} WHERE sent_at IS NULL`,
    );
    return {
      unsent: Number(row?.unsent ?? 0),
      parked: Number(row?.parked ?? 0),
      oldestUnsentAgeMs: Math.max(0, Math.round(row?.age_ms ?? 0)),
    };
  }

  /**
   * Puts parked rows (all, or those with the given event ids) back in line with a fresh attempt
   * count, once their cause is fixed (the topic created, the limit raised). Returns how many.
   */
  async requeueParked(eventIds?: string[]): Promise<number> {
    const rows: unknown[] = await this.dataSource.query(
      `WITH requeued AS (
         UPDATE ${this.tableName()}
         SET parked_at = NULL, attempts = 0, next_attempt_at = NULL
         WHERE parked_at IS NOT NULL AND sent_at IS NULL AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))
         RETURNING id
       )
       SELECT id FROM requeued`,
      [eventIds ?? null],
    );
    if (rows.length > 0) {
      this.logger.info({ count: rows.length }, 'parked outbox rows requeued');
      this.notify();
    }
    return rows.length;
  }

  /**
   * Claims up to `batchSize` rows in creation order, with a lease, in one statement (its own short
   * transaction). A row is taken only if no earlier unsent row of its key is out of reach (parked,
   * waiting for its retry, or claimed by another relay): such keys are skipped as a whole, so they
   * cannot fill the batch and starve the others. Among the rows locked for the claim, one whose key
   * has an earlier unsent row outside them (locked this instant by another relay's claim) is left
   * for the next round.
   *
   * Both checks read their rows once per claim into a CTE (`MATERIALIZED`) instead of probing an
   * index for every row: the held rows (`outbox_events_held_key_idx`, its predicate repeated by
   * `outboxHeld('h.')` so that PostgreSQL uses it), and the unsent rows of the candidates' keys
   * up to the last candidate. PostgreSQL's estimates for these partial indexes come from statistics
   * taken when they were nearly empty (or from none, on a new table), so it planned the probes as
   * full scans of the index, dead entries included, repeated for every row: quadratic under a
   * backlog, 1.7 M buffers for one claim of 100 rows in a bench warm-up (docs/performance.md,
   * part 9). The batch's rows are updated by their ids (`= ANY(ARRAY(…))`), not joined with the
   * batch, whose generic plan hashed the batch against the whole table.
   */
  private async claim(): Promise<OutboxRow[]> {
    const table = this.tableName();
    // The last round's rows, published and not yet marked (`unmarked`), are marked by this statement
    // and count as sent in it: the statement's snapshot still shows them unsent, hence the id checks.
    const unmarked = this.unmarked;
    this.unmarked = [];
    let rows: OutboxRow[];
    try {
      rows = await this.dataSource.query(
        `WITH marked AS (
         UPDATE ${table} SET sent_at = now(), claimed_until = NULL, claimed_by = NULL
         WHERE id = ANY($4::uuid[]) AND sent_at IS NULL
         RETURNING id
       ),
       held AS MATERIALIZED (
         SELECT h.message_key, h.created_at, h.seq FROM ${table} h
         WHERE ${outboxHeld('h.')}
           AND h.id <> ALL($4::uuid[])
           AND NOT (${claimable('h')})
       ),
       candidates AS (
         SELECT o.id, o.created_at, o.seq, o.message_key FROM ${table} o
         WHERE o.sent_at IS NULL
           AND o.id <> ALL($4::uuid[])
           AND ${claimable('o')}
           AND NOT EXISTS (
             SELECT 1 FROM held
             WHERE held.message_key = o.message_key AND (held.created_at, held.seq) < (o.created_at, o.seq)
           )
         ORDER BY o.created_at, o.seq
         LIMIT $1
         FOR UPDATE SKIP LOCKED
       ),
       unsent_of_keys AS MATERIALIZED (
         SELECT earlier.id, earlier.message_key, earlier.created_at, earlier.seq FROM ${table} earlier
         WHERE earlier.sent_at IS NULL
           AND earlier.id <> ALL($4::uuid[])
           AND earlier.message_key IN (SELECT message_key FROM candidates)
           AND (earlier.created_at, earlier.seq) <
             (SELECT c.created_at, c.seq FROM candidates c ORDER BY c.created_at DESC, c.seq DESC LIMIT 1)
       ),
       batch AS (
         SELECT c.id FROM candidates c
         WHERE NOT EXISTS (
           SELECT 1 FROM unsent_of_keys earlier
           WHERE earlier.message_key = c.message_key
             AND (earlier.created_at, earlier.seq) < (c.created_at, c.seq)
             AND earlier.id NOT IN (SELECT id FROM candidates)
         )
       ),
       claimed AS (
         UPDATE ${table} o
         SET claimed_until = now() + $2::float8 * interval '1 millisecond', claimed_by = $3
         WHERE o.id = ANY(ARRAY(SELECT id FROM batch))
         RETURNING o.id, o.topic, o.message_key, o.event_type, o.payload, o.headers, o.attempts,
           o.created_at, o.seq
       )
       SELECT * FROM claimed`,
        [this.batchSize, this.leaseMs, this.relayId, unmarked],
      );
    } catch (error) {
      this.unmarked = [...unmarked, ...this.unmarked];
      throw error;
    }
    if (unmarked.length > 0) this.metrics?.published(unmarked.length);
    // (A SELECT around the UPDATE: TypeORM returns [rows, count] for a top-level UPDATE.)
    // UPDATE … RETURNING has no order: restore creation order, which is each key's order.
    return rows.sort(
      (a, b) =>
        a.created_at.getTime() - b.created_at.getTime() ||
        (BigInt(a.seq) < BigInt(b.seq) ? -1 : BigInt(a.seq) > BigInt(b.seq) ? 1 : 0),
    );
  }

  /**
   * After a failed batch: an outage if the broker does not answer; otherwise the rows are sent one
   * by one to find the failing ones. A failed row is charged; later rows of its key in this batch are
   * released untouched (they wait behind it, per-key order); other keys are published.
   */
  private async isolate(rows: OutboxRow[], batchError: unknown): Promise<number> {
    if (!(await this.brokerReachable())) return this.outage(rows, [], batchError);
    const sent: string[] = [];
    const heldBack: string[] = [];
    const failedKeys = new Set<string>();
    for (const [index, row] of rows.entries()) {
      if (failedKeys.has(row.message_key)) {
        heldBack.push(row.id);
        continue;
      }
      // A batch of one already was this row on its own.
      let failure: { error: unknown } | undefined = rows.length === 1 ? { error: batchError } : undefined;
      if (!failure) {
        try {
          const producer = await this.connectedProducer();
          await producer.send({ topic: row.topic, acks: -1, messages: [toMessage(row)] });
          sent.push(row.id);
          continue;
        } catch (error) {
          await this.disconnectProducer();
          failure = { error };
          // The broker may have gone away half-way: then the rest is an outage too.
          if (!(await this.brokerReachable())) {
            await this.release(heldBack);
            return this.outage(rows.slice(index), sent, error);
          }
        }
      }
      failedKeys.add(row.message_key);
      await this.recordFailure(row, failure.error);
    }
    if (sent.length > 0) await this.markSent(sent);
    await this.release(heldBack);
    return sent.length;
  }

  /** The broker is unreachable: mark what did go out, release the rest, and fail the round. */
  private async outage(unsent: OutboxRow[], sent: string[], error: unknown): Promise<never> {
    if (sent.length > 0) await this.markSent(sent);
    await this.release(unsent.map((row) => row.id));
    throw new OutboxPublishError(
      unsent.map((row) => row.id),
      error,
    );
  }

  /** Charges one attempt to the row: retried alone after a backoff, parked after `maxAttempts`. */
  private async recordFailure(row: OutboxRow, error: unknown): Promise<void> {
    const attempts = row.attempts + 1;
    const parked = attempts >= this.maxAttempts;
    const delayMs = backoffDelay(attempts, this.retryBackoffMs, this.maxRetryBackoffMs);
    const described = describeError(error);
    const reason = kafkaErrorType(error) ?? described.errorCode ?? described.errorName;
    // A stale relay (its lease ended and another took the row) charges nothing.
    await this.dataSource.query(
      `UPDATE ${this.tableName()}
       SET attempts = $2, last_error = $3,
           next_attempt_at = now() + $4::float8 * interval '1 millisecond',
           parked_at = CASE WHEN $5::boolean THEN now() ELSE NULL END,
           claimed_until = NULL, claimed_by = NULL
       WHERE id = $1 AND claimed_by = $6 AND sent_at IS NULL`,
      [
        row.id,
        attempts,
        `${reason}: ${described.errorMessage}`.slice(0, LAST_ERROR_MAX_LENGTH),
        delayMs,
        parked,
        this.relayId,
      ],
    );
    const fields = {
      eventId: row.id,
      eventType: row.event_type,
      topic: row.topic,
      attempts,
      reason,
      ...described,
    };
    if (parked)
      this.logger.error(
        { ...fields, maxAttempts: this.maxAttempts },
        'outbox row parked: later events of its key wait until it is requeued',
      );
    else this.logger.warn({ ...fields, delayMs }, 'outbox row failed; retrying it alone after a delay');
  }

  private async markSent(ids: string[]): Promise<void> {
    await this.afterPublishBeforeMark?.(ids);
    await this.writeSent(ids);
  }

  /** Marks what the last round left unmarked (`unmarked`); a failure keeps them for the next try. */
  private async markUnmarked(): Promise<void> {
    const ids = this.unmarked;
    this.unmarked = [];
    try {
      await this.writeSent(ids);
    } catch (error) {
      this.unmarked = [...ids, ...this.unmarked];
      this.logger.warn(
        { count: ids.length, firstEventId: ids[0], ...describeError(error) },
        'published outbox rows not marked sent yet; will retry',
      );
    }
  }

  private async writeSent(ids: string[]): Promise<void> {
    // Not limited to this relay's claim: the rows were published, whoever holds them now.
    await this.dataSource.query(
      `UPDATE ${this.tableName()} SET sent_at = now(), claimed_until = NULL, claimed_by = NULL
       WHERE id = ANY($1::uuid[]) AND sent_at IS NULL`,
      [ids],
    );
    this.metrics?.published(ids.length);
  }

  /** Gives claimed rows back at once rather than at the end of the lease. */
  private async release(ids: string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.dataSource.query(
      `UPDATE ${this.tableName()} SET claimed_until = NULL, claimed_by = NULL
       WHERE id = ANY($1::uuid[]) AND claimed_by = $2 AND sent_at IS NULL`,
      [ids, this.relayId],
    );
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      this.kicked = false;
      let published = 0;
      try {
        published = await this.relayRound(true);
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
      // Nothing more came (or the round failed): what the last round published is marked now.
      if (this.unmarked.length > 0 && !this.kicked) await this.markUnmarked();
      if (failures > 0)
        await this.idle(backoffDelay(failures, this.pollIntervalMs, this.maxErrorBackoffMs), false);
      else {
        await this.idle(this.pollIntervalMs, true);
        // Woken by a commit: let the commits that follow it join the round (`stop()` cuts this short).
        if (this.lingerMs > 0 && this.kicked && !this.stopping) {
          this.lingering = true;
          await this.idle(this.lingerMs, false);
          this.lingering = false;
        }
      }
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

  /** After a failed send the idempotent producer's sequence state is suspect: start afresh. */
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

/** The Kafka protocol error name (`MESSAGE_TOO_LARGE`, `UNKNOWN_TOPIC_OR_PARTITION`), also behind kafkajs' retry wrapper. */
function kafkaErrorType(error: unknown): string | undefined {
  for (let current = error, depth = 0; depth < 4; depth += 1) {
    if (typeof current !== 'object' || current === null) return undefined;
    if ('type' in current && typeof current.type === 'string') return current.type;
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

function toMessage(row: OutboxRow): Message {
  return {
    key: row.message_key,
    value: JSON.stringify(row.payload),
    headers: {
      ...(row.headers ?? {}),
      ce_id: row.id,
      ce_type: row.event_type,
      'content-type': CLOUDEVENTS_CONTENT_TYPE,
    },
  };
}

function toTopicMessages(rows: OutboxRow[]): TopicMessages[] {
  const byTopic = new Map<string, Message[]>();
  for (const row of rows) {
    const messages = byTopic.get(row.topic) ?? [];
    messages.push(toMessage(row));
    byTopic.set(row.topic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
