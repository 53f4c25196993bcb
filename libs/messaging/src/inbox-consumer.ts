import {
  Partitioners,
  type Consumer,
  type EachBatchPayload,
  type Kafka,
  type KafkaMessage,
  type Producer,
  type TopicPartitionOffset,
} from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import {
  ContractViolation,
  dlqTopicOf,
  parseCloudEvent,
  type AnyCloudEvent,
  type CloudEvent,
  type EventType,
} from '@remit/contracts';
import { backoffDelay, sleep } from './backoff';
import { withBatchWork } from './batch-work';
import { classifyFailure, deadLetterErrorCode, deadLetterHeaders, DLQ_HEADERS } from './dead-letter';
import { InboxEventEntity } from './inbox-event.entity';
import { consoleLogger, describeError, type MessagingLogger } from './logger';
import { withinMs, type ConsumerMetricsHook } from './messaging-metrics';
import { qualifiedTableName } from './messaging-tables';

/** Applies one event; runs inside the transaction that records the event in the inbox. */
export type EventHandler<T extends EventType> = (
  event: CloudEvent<T>,
  manager: EntityManager,
) => Promise<void>;
export type EventHandlers = { [T in EventType]?: EventHandler<T> };

export interface InboxConsumerOptions {
  kafka: Kafka;
  dataSource: DataSource;
  /**
   * The consumer's own short name (`invoice`, `payment-intake.invoice-view`): the key of its rows in
   * `inbox_events`, and, behind `groupPrefix`, its Kafka consumer group.
   */
  groupId: string;
  /**
   * The environment's prefix (KAFKA_GROUP_PREFIX, `remit-<NODE_ENV>`): the Kafka group is
   * `<groupPrefix>.<groupId>`, so `npm start` and `npm test` on one broker never share a group.
   * `InboxTransport` sets it from the module options; apps never type it.
   */
  groupPrefix?: string;
  topics: string[];
  handlers: EventHandlers;
  /**
   * Handler runs per message before it is dead-lettered (1 = no retry). Transient failures (an
   * outage, a deadlock: `classifyFailure`) do not count: they are retried as long as they last.
   */
  maxAttempts?: number;
  /** First retry delay; doubles per attempt up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  logger?: MessagingLogger;
  /**
   * Where a group without a committed offset, or whose committed offset is no longer in the log
   * (out of range), starts: the earliest offset by default. The inbox makes the replay safe; the
   * latest offset would silently skip whatever was published before the group first joined.
   */
  fromBeginning?: boolean;
  /** How long `start()` waits for the group join. */
  joinTimeoutMs?: number;
  /** Partitions processed in parallel; each partition stays strictly in order. */
  partitionsConsumedConcurrently?: number;
  /**
   * How long an idle fetch waits on the broker. Latency is unaffected (the broker answers as soon as
   * a message arrives), but `stop()` waits for the fetch in flight: 1 s by default, not kafkajs' 5 s.
   */
  maxWaitTimeInMs?: number;
  /**
   * How long a resolved offset may wait before it is committed (ms). Offsets resolved within that
   * time go to the broker in one commit, instead of one commit per fetched batch (at a few events per
   * second per partition, a batch is one event). Uncommitted offsets only mean redelivery after a
   * crash or a rebalance, which the inbox skips. `stop()` commits what is pending. 500 by default;
   * 0 commits after every batch, as kafkajs' auto-commit does.
   */
  commitIntervalMs?: number;
  /**
   * Most messages of one partition applied in one transaction (one multi-row inbox insert, the
   * handlers in offset order, one commit). 1 = a transaction per message.
   */
  maxBatchSize?: number;
  /** Where batch sizes, lag and outcomes go (`MessagingMetrics.forConsumer`); nothing without it. */
  metrics?: ConsumerMetricsHook;
}

/** What a message is, before any handler runs. */
type Classified =
  | { kind: 'skipped' }
  | { kind: 'invalid'; error: ContractViolation }
  | { kind: 'event'; event: AnyCloudEvent; handler: EventHandler<EventType> };

/** The outcome of one batch transaction: committed, or rolled back with where it failed. */
type BatchResult = { ok: true } | { ok: false; error: unknown; failedIndex?: number };

/** One event of a batch transaction. */
interface BatchEntry {
  message: KafkaMessage;
  event: AnyCloudEvent;
  handler: EventHandler<EventType>;
}

/** What happened to one message. */
export type MessageOutcome = 'applied' | 'duplicate' | 'skipped' | 'dead-lettered';

/**
 * Thrown to kafkajs so that it does not commit the offset and delivers the message again (to this
 * member after a restart, or to another after a rebalance). Carries no payload or driver details:
 * kafkajs logs what it is given.
 */
class RedeliveryRequired extends Error {
  constructor(
    reason: string,
    readonly code = 'MESSAGING.REDELIVERY_REQUIRED',
  ) {
    super(reason);
    this.name = 'RedeliveryRequired';
  }
}

/** How long `stop()` waits for its last offset commit. */
const STOP_COMMIT_WAIT_MS = 5_000;

const stoppingError = (): RedeliveryRequired =>
  new RedeliveryRequired('consumer stopping; the message will be redelivered', 'MESSAGING.CONSUMER_STOPPING');

/** `<prefix>.<name>`: the one place an environment's prefix is put on a group or client id. */
export function prefixedName(prefix: string | undefined, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

/**
 * Consumes CloudEvents idempotently: each event is recorded in `inbox_events` (keyed by consumer
 * group and event id) in the same transaction as its effect, so a redelivered event is skipped.
 * Messages that are not valid events, and events whose handler is refused or keeps failing, go to
 * `<topic>.dlq` and the partition moves on; a transient failure holds the partition and is retried
 * until it passes (`classifyFailure`). Consecutive events of a partition share one transaction
 * (`onBatch`, up to `maxBatchSize`); an offset is committed only after the outcome of every message
 * before it (effects committed, or DLQ sends acknowledged), at most `commitIntervalMs` later and
 * together with the other partitions' offsets resolved meanwhile (`commitPending`).
 */
export class InboxConsumer {
  /** The short name: the inbox key (see `InboxConsumerOptions.groupId`). */
  readonly groupId: string;
  /** The Kafka consumer group: `<groupPrefix>.<groupId>`. */
  readonly kafkaGroupId: string;
  private readonly kafka: Kafka;
  private readonly dataSource: DataSource;
  private readonly topics: string[];
  private readonly handlers: EventHandlers;
  private readonly maxAttempts: number;
  private readonly backoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: MessagingLogger;
  private readonly fromBeginning: boolean;
  private readonly joinTimeoutMs: number;
  private readonly partitionsConsumedConcurrently: number;
  private readonly maxWaitTimeInMs: number;
  private readonly maxBatchSize: number;
  private readonly commitIntervalMs: number;
  private readonly metrics?: ConsumerMetricsHook;
  /** Per `topic:partition`, the next offset to read once resolved and not committed yet. */
  private readonly pendingCommits = new Map<string, TopicPartitionOffset>();
  private commitTimer?: NodeJS.Timeout;
  /** The commit in flight (commits go one after another, so that an offset never goes back). */
  private committing: Promise<void> = Promise.resolve();
  private readonly batchesInFlight = new Set<Promise<void>>();
  /** The partitions of the last group join: only theirs are committed (a rebalance may move the rest). */
  private assigned?: Record<string, number[]>;

  private consumer?: Consumer;
  private producer?: Producer;
  private stopping = new AbortController();
  private running = false;
  private table?: string;

  constructor(options: InboxConsumerOptions) {
    this.kafka = options.kafka;
    this.dataSource = options.dataSource;
    this.groupId = options.groupId;
    this.kafkaGroupId = prefixedName(options.groupPrefix, options.groupId);
    this.topics = [...options.topics];
    this.handlers = options.handlers;
    this.maxAttempts = options.maxAttempts ?? 5;
    this.backoffMs = options.backoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 10_000;
    this.logger = options.logger ?? consoleLogger;
    this.fromBeginning = options.fromBeginning ?? true;
    this.joinTimeoutMs = options.joinTimeoutMs ?? 60_000;
    this.partitionsConsumedConcurrently = options.partitionsConsumedConcurrently ?? 1;
    this.maxWaitTimeInMs = options.maxWaitTimeInMs ?? 1_000;
    this.maxBatchSize = options.maxBatchSize ?? 100;
    this.commitIntervalMs = options.commitIntervalMs ?? 500;
    this.metrics = options.metrics;
    if (this.topics.length === 0) throw new Error(`consumer ${this.groupId}: no topics`);
    if (!Number.isInteger(this.maxAttempts) || this.maxAttempts < 1)
      throw new Error('maxAttempts must be ≥ 1');
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1)
      throw new Error('maxBatchSize must be ≥ 1');
    if (!Number.isInteger(this.commitIntervalMs) || this.commitIntervalMs < 0)
      throw new Error('commitIntervalMs must be an integer ≥ 0');
  }

  get isRunning(): boolean {
    return this.running;
  }

  /**
   * Connects, subscribes and resolves once the consumer has joined its group and knows where it
   * starts reading (see `waitUntilPositioned`).
   */
  async start(): Promise<void> {
    if (this.consumer) return;
    this.stopping = new AbortController();
    const stopping = this.stopping.signal;
    // stop() may come at any point of the start (a service shutting down while the broker is slow).
    const unlessStopped = (): void => {
      if (stopping.aborted) throw new Error(`consumer ${this.groupId} was stopped while starting`);
    };
    this.table = qualifiedTableName(this.dataSource, InboxEventEntity);
    const consumer = this.kafka.consumer({
      groupId: this.kafkaGroupId,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: this.maxWaitTimeInMs,
      // kafkajs restarts a crashed consumer after a delay, and a crash while stop() disconnects it (the
      // batch in flight throws `stoppingError`) armed that restart after the disconnect had cleared it:
      // a consumer nobody would stop again. Once stopping, a crash ends it. (5: kafkajs' own default.)
      retry: { retries: 5, restartOnFailure: () => Promise.resolve(!stopping.aborted) },
    });
    const producer = this.kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: { retries: 5, initialRetryTime: 300, maxRetryTime: 5_000 },
    });
    this.consumer = consumer;
    this.producer = producer;
    let cancelJoinWait: (() => void) | undefined;
    try {
      await producer.connect();
      unlessStopped();
      await consumer.connect();
      unlessStopped();
      await consumer.subscribe({ topics: this.topics, fromBeginning: this.fromBeginning });
      unlessStopped();
      const joined = this.waitUntilPositioned(consumer, stopping);
      cancelJoinWait = joined.cancel;
      // A stop() while `consumer.run` below is still starting rejects the wait before it is awaited:
      // handled here, so that it is no unhandled rejection; `await joined.promise` still throws it.
      joined.promise.catch(() => undefined);
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        this.logger.error(
          { groupId: this.groupId, restart: payload.restart, ...describeError(payload.error) },
          payload.restart ? 'consumer crashed; kafkajs restarts it' : 'consumer crashed and stopped',
        );
        if (!payload.restart) this.running = false;
      });
      // Before the partitions move: what this member applied is committed, as far as the coordinator
      // still takes it (what it refuses, the new owner reads again and its inbox skips).
      consumer.on(consumer.events.REBALANCING, () => void this.commitPending());
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        // A partition this member no longer owns is its new owner's to commit (`commitPending`).
        this.assigned = payload.memberAssignment;
        this.metrics?.rebalanced();
      });
      await consumer.run({
        // Offsets are committed here (`commitPending`), at most `commitIntervalMs` after they were
        // resolved: kafkajs' auto-commit sends one commit per fetched batch whatever its interval.
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.partitionsConsumedConcurrently,
        eachBatch: (payload) => this.trackBatch(this.onBatch(payload)),
      });
      await joined.promise;
      unlessStopped();
      this.running = true;
      this.logger.info(
        { groupId: this.groupId, kafkaGroupId: this.kafkaGroupId, topics: this.topics },
        'consumer joined its group',
      );
    } catch (error) {
      cancelJoinWait?.();
      if (this.consumer === consumer) await this.stop();
      // A stop() during the start let go of these clients already, perhaps before they connected.
      await consumer.disconnect().catch(() => undefined);
      await producer.disconnect().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Stops fetching, lets the message in flight finish (a retry wait is cut short), commits the
   * offsets it resolved, disconnects.
   */
  async stop(): Promise<void> {
    this.stopping.abort();
    this.running = false;
    const consumer = this.consumer;
    const producer = this.producer;
    this.consumer = undefined;
    // The batches in flight stop at their next message (the signal above; a dead letter in flight still
    // has the producer); their resolved offsets are committed while this member is still in its group,
    // before kafkajs leaves it. A coordinator that does not answer holds the stop 5 s at most: what is
    // not committed is read again by the partitions' next owner.
    await Promise.allSettled([...this.batchesInFlight]);
    await withinMs(this.commitPending(consumer), STOP_COMMIT_WAIT_MS);
    this.producer = undefined;
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
  }

  /** Exposed for tests and tools: handles one message exactly as the consumer loop does. */
  async handleMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat?: () => Promise<void>,
  ): Promise<MessageOutcome> {
    return this.handleClassified(
      topic,
      partition,
      message,
      this.classify(topic, partition, message),
      heartbeat,
    );
  }

  /** Whether the message is skipped, not a valid event, or an event with its handler (no I/O). */
  private classify(topic: string, partition: number, message: KafkaMessage): Classified {
    const where = { groupId: this.groupId, topic, partition, offset: message.offset };
    const replayFor = message.headers?.[DLQ_HEADERS.replayGroup]?.toString();
    if (replayFor !== undefined && replayFor !== this.kafkaGroupId) {
      // A replayed dead letter is for the group that dead-lettered it (dead-letter-replay.ts); every
      // other group handled it the first time, and may have purged that inbox row since.
      this.logger.debug({ ...where, replayFor }, 'dead letter replayed for another group; skipped');
      return { kind: 'skipped' };
    }
    const type = peekType(message.value);
    if (type !== undefined && !this.hasHandler(type)) {
      this.logger.debug({ ...where, type }, 'no handler for this event type; skipped');
      return { kind: 'skipped' };
    }
    let event: AnyCloudEvent;
    try {
      event = parseCloudEvent(message.value);
    } catch (error) {
      if (!(error instanceof ContractViolation)) throw error;
      return { kind: 'invalid', error };
    }
    const handler = this.handlers[event.type] as EventHandler<EventType> | undefined;
    if (!handler) return { kind: 'skipped' };
    return { kind: 'event', event, handler };
  }

  /**
   * One message on its own, in its own transaction, with retries and dead-lettering. `priorFailure`
   * is a failure of this event's handler already seen in a batch transaction: it counts as the
   * first attempt.
   */
  private async handleClassified(
    topic: string,
    partition: number,
    message: KafkaMessage,
    classified: Classified,
    heartbeat?: () => Promise<void>,
    priorFailure?: { error: unknown },
  ): Promise<MessageOutcome> {
    const where = { groupId: this.groupId, topic, partition, offset: message.offset };
    if (classified.kind === 'skipped') return this.counted(topic, 'skipped');
    if (classified.kind === 'invalid') {
      const error = classified.error;
      // The message text may echo payload values: log the code and the paths only.
      this.logger.error(
        { ...where, errorCode: error.code, issuePaths: error.issues.map((issue) => issue.path) },
        'message is not a valid event; dead-lettering it',
      );
      await this.deadLetter(topic, partition, message, error, 0);
      this.metrics?.deadLettered(topic, 'invalid');
      return this.counted(topic, 'dead-lettered');
    }
    const { event, handler } = classified;
    const fields = { ...where, eventId: event.id, type: event.type };
    // Only failures that may be the event's own count towards maxAttempts.
    let countedFailures = 0;
    for (let attempt = 1; ; attempt += 1) {
      let failure: unknown;
      if (attempt === 1 && priorFailure) {
        failure = priorFailure.error;
      } else {
        if (this.stopping.signal.aborted) throw stoppingError();
        try {
          const outcome = await this.applyOnce(event, handler, topic, partition, message.offset);
          if (outcome === 'duplicate') this.logger.info(fields, 'event already processed; skipped');
          else this.logger.debug({ ...fields, attempt }, 'event applied');
          return this.counted(topic, outcome);
        } catch (error) {
          failure = error;
        }
      }
      const kind = classifyFailure(failure);
      this.metrics?.handlerFailed(topic, kind);
      if (kind !== 'transient') countedFailures += 1;
      if (kind === 'poison' || countedFailures >= this.maxAttempts) {
        this.logger.error(
          { ...fields, attempt, failureKind: kind, ...describeError(failure) },
          'event handler failed; dead-lettering the event',
        );
        await this.deadLetter(topic, partition, message, failure, attempt);
        this.metrics?.deadLettered(topic, kind === 'poison' ? 'refused' : 'retries_exhausted');
        return this.counted(topic, 'dead-lettered');
      }
      const delayMs = backoffDelay(attempt, this.backoffMs, this.maxBackoffMs);
      if (kind === 'transient') {
        // The partition waits here, in order, for as long as the outage lasts: nothing is skipped
        // and nothing is dead-lettered. Staying inside eachMessage (rather than pausing and
        // seeking back) keeps the offset uncommitted at every moment; a long outage turns into an
        // error line per retry once it outlasts maxAttempts, for the alerts.
        const level = attempt >= this.maxAttempts ? 'error' : 'warn';
        this.logger[level](
          { ...fields, attempt, delayMs, failureKind: kind, ...describeError(failure) },
          'transient failure (database, Redis or Kafka); retrying, never dead-lettering',
        );
      } else {
        this.logger.warn(
          { ...fields, attempt, delayMs, failureKind: kind, ...describeError(failure) },
          'event handler failed; retrying',
        );
      }
      await sleep(delayMs, this.stopping.signal);
      // Long retries must not cost the partition: tell the coordinator this member is alive. During
      // a rebalance this throws; the offset stays uncommitted and the new owner redelivers.
      await heartbeat?.();
    }
  }

  /**
   * A fetched batch of one partition, in offset order: runs of valid events (up to `maxBatchSize`)
   * are applied in one transaction each (`applyBatch`), and the offset after the run is resolved
   * (committed soon after, `commitPending`) once it has committed. A run that fails rolls back as a
   * whole; the events before the failing one are applied again as a run, the failing one goes the
   * one-message way (`handleClassified`: retries, dead letter), and the rest follow. Invalid messages
   * go that way too. Order per partition, the inbox's exactly-once effect and at-least-once delivery
   * are those of one message at a time.
   */
  private async onBatch({
    batch,
    resolveOffset,
    heartbeat,
    isRunning,
    isStale,
  }: EachBatchPayload): Promise<void> {
    const { topic, partition, messages } = batch;
    // Unconsumed messages of the partition when the batch arrived, the batch included.
    this.metrics?.batchFetched(topic, partition, messages.length, Number(batch.offsetLagLow()) + 1);
    const classified = messages.map((message) => this.classify(topic, partition, message));
    // The message's outcome is final (its effect committed, or its dead letter acknowledged).
    const resolve = (message: KafkaMessage): void => {
      resolveOffset(message.offset);
      this.pendingCommit(topic, partition, message.offset);
    };
    const done = async (message: KafkaMessage, outcome?: MessageOutcome): Promise<void> => {
      resolve(message);
      // A dead letter has no inbox row to skip it by: read again, it would be handled and dead-lettered
      // a second time. Its offset is committed at once.
      if (this.commitIntervalMs === 0 || outcome === 'dead-lettered') await this.commitPending();
    };
    // A handler failure seen in a batch transaction: that event goes the one-message way next.
    let failed: { index: number; error: unknown } | undefined;
    // Events per transaction: back to 1 after a failing event (a run of bad events, such as a replay
    // of stale ones, then costs no rolled-back batches), doubling with each success.
    let limit = this.maxBatchSize;
    const succeeded = (): void => {
      limit = Math.min(this.maxBatchSize, limit * 2);
    };
    let index = 0;
    while (index < messages.length) {
      if (!isRunning() || isStale()) return;
      if (this.stopping.signal.aborted) throw stoppingError();
      const first = classified[index];
      const stop = failed?.index ?? messages.length;
      const run: BatchEntry[] = [];
      let end = index;
      if (first.kind === 'event' && index < stop) {
        while (end < stop && run.length < limit) {
          const entry = classified[end];
          if (entry.kind === 'invalid') break;
          if (entry.kind === 'event')
            run.push({ message: messages[end], event: entry.event, handler: entry.handler });
          end += 1;
        }
      }
      if (first.kind === 'skipped') {
        // No effect to commit: its offset goes with the next commit.
        resolve(messages[index]);
        this.metrics?.outcome(topic, 'skipped', 1);
        index += 1;
        continue;
      }
      if (run.length < 2) {
        // Invalid, a lone event, or the one that failed in a batch: on its own.
        const prior = failed?.index === index ? { error: failed.error } : undefined;
        if (prior) failed = undefined;
        const outcome = await this.handleClassified(
          topic,
          partition,
          messages[index],
          first,
          heartbeat,
          prior,
        );
        if (prior || outcome === 'dead-lettered') limit = 1;
        else succeeded();
        await done(messages[index], outcome);
        index += 1;
        continue;
      }
      const result = await this.applyBatch(topic, partition, run);
      if (result.ok) {
        succeeded();
        await done(messages[end - 1]);
        index = end;
        await heartbeat();
        continue;
      }
      if (result.failedIndex !== undefined) {
        // Next: the events before it as a batch again, then it alone (first attempt already counted).
        failed = { index: messages.indexOf(run[result.failedIndex].message), error: result.error };
      } else {
        // Not any one handler's failure (the inbox insert, the commit, the connection): the first
        // event goes alone, with its retries; batches resume after it.
        this.logger.debug(
          { groupId: this.groupId, topic, partition, size: run.length, ...describeError(result.error) },
          'batch transaction failed; applying its first event alone',
        );
        const outcome = await this.handleClassified(topic, partition, messages[index], first, heartbeat);
        await done(messages[index], outcome);
        index += 1;
      }
    }
    if (this.commitIntervalMs === 0) await this.commitPending();
    this.metrics?.lag(topic, partition, Number(batch.offsetLag()));
  }

  /**
   * Applies consecutive events of one partition in one transaction: one multi-row inbox insert
   * (`ON CONFLICT DO NOTHING`: those already there are duplicates), then each new event's handler in
   * offset order, then the work they deferred (`batchWork`), then one commit. Any failure rolls the
   * whole batch back; one of the deferred work is no single handler's (`failedIndex` undefined).
   */
  private async applyBatch(topic: string, partition: number, run: BatchEntry[]): Promise<BatchResult> {
    let current: number | undefined;
    const duplicates: number[] = [];
    try {
      await this.dataSource.transaction(async (manager) => {
        const values: string[] = [];
        const parameters: unknown[] = [this.groupId, topic, partition];
        for (const { event, message } of run) {
          const at = parameters.length;
          values.push(`($1, $${at + 1}, $${at + 2}, $2, $3, $${at + 3})`);
          parameters.push(event.id, event.type, message.offset);
        }
        const inserted: { event_id: string }[] = await manager.query(
          `INSERT INTO ${this.tableName()} (consumer_group, event_id, event_type, topic, partition, "offset")
           VALUES ${values.join(', ')}
           ON CONFLICT (consumer_group, event_id) DO NOTHING
           RETURNING event_id`,
          parameters,
        );
        const fresh = new Set(inserted.map((row) => row.event_id));
        await withBatchWork(manager, async () => {
          for (const [position, { event, handler }] of run.entries()) {
            // An id twice in one batch (a republished outbox row): only its first copy is applied.
            if (!fresh.delete(event.id)) {
              duplicates.push(position);
              continue;
            }
            current = position;
            await handler(event, manager);
            current = undefined;
          }
        });
      });
    } catch (error) {
      return { ok: false, error, failedIndex: current };
    }
    this.metrics?.outcome(topic, 'applied', run.length - duplicates.length);
    this.metrics?.outcome(topic, 'duplicate', duplicates.length);
    for (const position of duplicates) {
      const { event, message } = run[position];
      this.logger.info(
        {
          groupId: this.groupId,
          topic,
          partition,
          offset: message.offset,
          eventId: event.id,
          type: event.type,
        },
        'event already processed; skipped',
      );
    }
    this.logger.debug(
      { groupId: this.groupId, topic, partition, size: run.length, duplicates: duplicates.length },
      'event batch applied',
    );
    return { ok: true };
  }

  /** Reports a message's outcome to the metrics hook, if any, and returns it. */
  private counted(topic: string, outcome: MessageOutcome): MessageOutcome {
    this.metrics?.outcome(topic, outcome, 1);
    return outcome;
  }

  /** The inbox row and the handler's effect commit together, or neither does. */
  private applyOnce(
    event: AnyCloudEvent,
    handler: EventHandler<EventType>,
    topic: string,
    partition: number,
    offset: string,
  ): Promise<'applied' | 'duplicate'> {
    return this.dataSource.transaction(async (manager) => {
      const inserted: unknown[] = await manager.query(
        `INSERT INTO ${this.tableName()} (consumer_group, event_id, event_type, topic, partition, "offset")
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (consumer_group, event_id) DO NOTHING
         RETURNING event_id`,
        [this.groupId, event.id, event.type, topic, partition, offset],
      );
      if (inserted.length === 0) return 'duplicate';
      await withBatchWork(manager, () => handler(event, manager));
      return 'applied';
    });
  }

  /** Sends the original message to `<topic>.dlq`; throws (so the offset is not committed) if that fails. */
  private async deadLetter(
    topic: string,
    partition: number,
    message: KafkaMessage,
    error: unknown,
    attempts: number,
  ): Promise<void> {
    const producer = this.producer;
    if (!producer) throw stoppingError();
    const dlqTopic = dlqTopicOf(topic);
    await producer.send({
      topic: dlqTopic,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: deadLetterHeaders({
            topic,
            partition,
            message,
            groupId: this.kafkaGroupId,
            error,
            attempts,
            failedAt: new Date(),
          }),
        },
      ],
    });
    this.logger.info(
      {
        groupId: this.groupId,
        topic,
        partition,
        offset: message.offset,
        dlqTopic,
        errorCode: deadLetterErrorCode(error),
      },
      'message dead-lettered',
    );
  }

  /**
   * Resolves after the group join and the first fetch that follows it: by then kafkajs has resolved
   * the starting offsets, so a message produced after `start()` is consumed even by a new group that
   * starts from the latest offset. (The join alone leaves a window in which it would be skipped.)
   * Rejects as soon as `stopping` aborts.
   */
  private waitUntilPositioned(
    consumer: Consumer,
    stopping: AbortSignal,
  ): { promise: Promise<void>; cancel: () => void } {
    let cancel = (): void => undefined;
    const promise = new Promise<void>((resolve, reject) => {
      let removeFetchListener = (): void => undefined;
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        removeJoinListener();
        removeFetchListener();
        stopping.removeEventListener('abort', onStop);
        if (error) reject(error);
        else resolve();
      };
      const timer = setTimeout(
        () =>
          finish(
            new Error(`consumer ${this.groupId} did not join its group within ${this.joinTimeoutMs} ms`),
          ),
        this.joinTimeoutMs,
      );
      const removeJoinListener = consumer.on(consumer.events.GROUP_JOIN, () => {
        removeJoinListener();
        removeFetchListener = consumer.on(consumer.events.FETCH, () => finish());
      });
      const onStop = (): void => finish(new Error(`consumer ${this.groupId} was stopped while joining`));
      stopping.addEventListener('abort', onStop, { once: true });
      cancel = () => finish();
    });
    return { promise, cancel };
  }

  private async trackBatch(batch: Promise<void>): Promise<void> {
    this.batchesInFlight.add(batch);
    try {
      await batch;
    } finally {
      this.batchesInFlight.delete(batch);
    }
  }

  /** Records a resolved offset for the next commit, which it schedules if none is. */
  private pendingCommit(topic: string, partition: number, offset: string): void {
    const next = (BigInt(offset) + 1n).toString();
    this.pendingCommits.set(`${topic}:${partition}`, { topic, partition, offset: next });
    if (this.commitTimer || this.commitIntervalMs === 0) return;
    this.commitTimer = setTimeout(() => void this.commitPending(), this.commitIntervalMs);
    // A consumer never stopped must not hold its process open for a commit: stop() commits anyway.
    this.commitTimer.unref();
  }

  /**
   * Commits the offsets resolved since the last commit, after the commit in flight. A refused commit
   * (a rebalance took the partition, the member left) is logged and not repeated: the partition's
   * owner reads those messages again and the inbox skips them.
   */
  private commitPending(consumer = this.consumer): Promise<void> {
    clearTimeout(this.commitTimer);
    this.commitTimer = undefined;
    const next = this.committing.then(async () => {
      if (this.pendingCommits.size === 0 || !consumer) return;
      const offsets = [...this.pendingCommits.values()].filter(
        ({ topic, partition }) => !this.assigned || this.assigned[topic]?.includes(partition),
      );
      this.pendingCommits.clear();
      if (offsets.length === 0) return;
      try {
        await consumer.commitOffsets(offsets);
      } catch (error) {
        this.logger.warn(
          { groupId: this.groupId, offsets, ...describeError(error) },
          'offset commit refused; those messages will be read again and skipped by the inbox',
        );
      }
    });
    this.committing = next;
    return next;
  }

  /** Own properties only: a type named like an Object.prototype member has no handler. */
  private hasHandler(type: string): boolean {
    return (
      Object.prototype.hasOwnProperty.call(this.handlers, type) &&
      typeof (this.handlers as Record<string, unknown>)[type] === 'function'
    );
  }

  private tableName(): string {
    this.table ??= qualifiedTableName(this.dataSource, InboxEventEntity);
    return this.table;
  }
}

/** The `type` of a JSON object message, without validating anything else. */
function peekType(value: Buffer | null): string | undefined {
  if (!value) return undefined;
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    if (typeof parsed === 'object' && parsed !== null && 'type' in parsed) {
      const type = parsed.type;
      return typeof type === 'string' ? type : undefined;
    }
  } catch {
    // Not JSON: parseCloudEvent reports it.
  }
  return undefined;
}
