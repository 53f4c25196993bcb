import type { IHeaders, KafkaMessage } from 'kafkajs';
import { ContractViolation } from '@remit/contracts';
import { errorCodeOf } from './logger';

export const DLQ_HEADERS = {
  error: 'dlq-error',
  errorCode: 'dlq-error-code',
  originalTopic: 'dlq-original-topic',
  originalPartition: 'dlq-original-partition',
  originalOffset: 'dlq-original-offset',
  consumerGroup: 'dlq-consumer-group',
  failedAt: 'dlq-failed-at',
  attempts: 'dlq-attempts',
  /**
   * On a dead letter re-published by `replayDeadLetters`: the consumer group that dead-lettered it,
   * the only one that processes it again (dead-letter-replay.ts explains why).
   */
  replayGroup: 'dlq-replay-group',
  /** On a re-published dead letter: `<dlq topic>/<partition>/<offset>` it came from. */
  replayedFrom: 'dlq-replayed-from',
  /** On a replay marker written to the DLQ: `<partition>/<offset>` of the letter it replayed. */
  replayOf: 'dlq-replay-of',
  replayedAt: 'dlq-replayed-at',
} as const;

/** Every header this library sets starts so; stale ones are dropped when a message is dead-lettered again. */
export const DLQ_HEADER_PREFIX = 'dlq-';

/** Code for handler errors that carry none of their own. */
export const HANDLER_FAILED_CODE = 'MESSAGING.HANDLER_FAILED';

const ERROR_HEADER_MAX_LENGTH = 1_000;

export interface DeadLetterContext {
  topic: string;
  partition: number;
  message: Pick<KafkaMessage, 'offset' | 'headers'>;
  groupId: string;
  error: unknown;
  attempts: number;
  failedAt: Date;
}

/** What went wrong, for the `dlq-error` header (the DLQ holds the payload anyway). */
export function deadLetterErrorText(error: unknown): string {
  if (error instanceof ContractViolation && error.issues.length > 0) {
    const issues = error.issues.map((issue) => `${issue.path || '(root)'}: ${issue.message}`).join('; ');
    return truncate(`${error.message} (${issues})`);
  }
  return truncate(error instanceof Error ? error.message : String(error));
}

export function deadLetterErrorCode(error: unknown): string {
  return errorCodeOf(error) ?? HANDLER_FAILED_CODE;
}

/**
 * The original headers plus where and why the message failed. Headers of an earlier failure or
 * replay are dropped: a replayed letter that fails again is described by this failure only.
 */
export function deadLetterHeaders(context: DeadLetterContext): IHeaders {
  return {
    ...withoutDeadLetterHeaders(context.message.headers),
    [DLQ_HEADERS.error]: deadLetterErrorText(context.error),
    [DLQ_HEADERS.errorCode]: deadLetterErrorCode(context.error),
    [DLQ_HEADERS.originalTopic]: context.topic,
    [DLQ_HEADERS.originalPartition]: String(context.partition),
    [DLQ_HEADERS.originalOffset]: context.message.offset,
    [DLQ_HEADERS.consumerGroup]: context.groupId,
    [DLQ_HEADERS.failedAt]: context.failedAt.toISOString(),
    [DLQ_HEADERS.attempts]: String(context.attempts),
  };
}

/**
 * How a consumer treats a failed handler (docs/architecture.md, Kafka):
 *
 * - `transient`: the infrastructure failed, not the event (PostgreSQL, Redis or Kafka down, a
 *   failover, a serialization failure or deadlock, a lock or statement timeout). Retried with
 *   backoff for as long as it lasts, with the partition held where it is; never dead-lettered, so
 *   an outage cannot empty a topic into its DLQ.
 * - `poison`: the event itself is refused and always will be (not a valid event, or a deterministic
 *   domain refusal flagged `retryable: false`). Dead-lettered at once.
 * - `unknown`: anything else. Retried up to the consumer's `maxAttempts`, then dead-lettered.
 */
export type FailureKind = 'transient' | 'poison' | 'unknown';

/**
 * A handler's deterministic refusal of an event (it names a payment or customer this service does
 * not have, say): retrying cannot help, so it is dead-lettered at once with its stable code.
 */
export class EventRefused extends Error {
  readonly retryable = false;

  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EventRefused';
  }
}

export function classifyFailure(error: unknown): FailureKind {
  if (error instanceof ContractViolation) return 'poison';
  // An explicit verdict of the code that threw wins over what its cause looks like.
  if (typeof error === 'object' && error !== null && 'retryable' in error && error.retryable === false)
    return 'poison';
  return looksTransient(error) ? 'transient' : 'unknown';
}

/**
 * Whether retrying can help. Contract violations and errors flagged `retryable: false` (domain
 * errors with stable codes, CONTRIBUTING.md) go to the DLQ at once; anything else is retried.
 */
export function isRetryable(error: unknown): boolean {
  return classifyFailure(error) !== 'poison';
}

/**
 * PostgreSQL SQLSTATEs that say "try again" (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 * Whole classes are matched below: 08 (connection exception) and 53 (insufficient resources).
 */
const TRANSIENT_SQLSTATES = new Set([
  '40001', // serialization_failure: a SERIALIZABLE or REPEATABLE READ conflict; the retry succeeds
  '40P01', // deadlock_detected: PostgreSQL aborted one side; the retry succeeds
  '55P03', // lock_not_available: lock_timeout or NOWAIT
  '57014', // query_canceled: statement_timeout, or cancelled by an operator
  '25006', // read_only_sql_transaction: a pooled connection still points at the old primary after a failover
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up or in recovery
  '57P04', // database_dropped: nothing this event can fix either
  '57P05', // idle_session_timeout: the server closed the connection
]);
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53'];
const SQLSTATE = /^[0-9A-Z]{5}$/;

/** Node socket errors: whatever is behind the socket (PostgreSQL, Redis, Kafka) is unreachable. */
const TRANSIENT_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

/**
 * kafkajs errors of a broker that cannot be reached or answered too late. Others count when kafkajs
 * itself calls them `retriable` (leader elections, rebalances, a topic still being created).
 */
const TRANSIENT_KAFKA_ERRORS = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSNumberOfRetriesExceeded',
]);

/** ioredis errors of a Redis that is down, restarting, loading or failing over. */
const TRANSIENT_REDIS_ERRORS = new Set(['MaxRetriesPerRequestError', 'ClusterAllFailedError']);
const TRANSIENT_REDIS_REPLIES = /^(LOADING|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|BUSY)\b/;

/** Messages of the pg driver and ioredis that carry no code. */
const TRANSIENT_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection is not open/i,
  /Client has encountered a connection error and is not queryable/i,
  /^Connection is closed\.?$/,
  /Stream isn't writeable/i,
];

/** Whether the failure is the infrastructure's rather than the event's: `classifyFailure` says `transient`. */
export function isInfrastructureError(error: unknown): boolean {
  return classifyFailure(error) === 'transient';
}

/**
 * Looks through wrappers: TypeORM's `QueryFailedError` (which copies the driver's `code` and keeps
 * it in `driverError`) and any `cause` chain, so a use case that wraps a deadlock is still retried.
 */
function looksTransient(error: unknown): boolean {
  const seen = new Set<object>();
  const queue: unknown[] = [error];
  // A handful of wrappers is plenty; the set stops a cycle.
  while (queue.length > 0 && seen.size < 10) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    if (isTransientItself(current)) return true;
    if ('driverError' in current) queue.push(current.driverError);
    if ('cause' in current) queue.push(current.cause);
  }
  return false;
}

function isTransientItself(error: object): boolean {
  const code = errorCodeOf(error);
  if (code !== undefined) {
    if (TRANSIENT_SOCKET_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return true;
    if (SQLSTATE.test(code) && TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return true;
  }
  const name = error instanceof Error ? error.name : '';
  const message = error instanceof Error ? error.message : '';
  if (name.startsWith('KafkaJS')) {
    return TRANSIENT_KAFKA_ERRORS.has(name) || ('retriable' in error && error.retriable === true);
  }
  if (TRANSIENT_REDIS_ERRORS.has(name)) return true;
  if (name === 'ReplyError' && TRANSIENT_REDIS_REPLIES.test(message)) return true;
  return TRANSIENT_MESSAGES.some((pattern) => pattern.test(message));
}

/** `headers` without the `dlq-*` ones. */
export function withoutDeadLetterHeaders(headers: IHeaders | undefined): IHeaders {
  const kept: IHeaders = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!name.startsWith(DLQ_HEADER_PREFIX)) kept[name] = value;
  }
  return kept;
}

function truncate(text: string): string {
  return text.length > ERROR_HEADER_MAX_LENGTH ? `${text.slice(0, ERROR_HEADER_MAX_LENGTH - 1)}…` : text;
}
