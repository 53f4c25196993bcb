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
} as const;

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

/** The original headers plus where and why the message failed. */
export function deadLetterHeaders(context: DeadLetterContext): IHeaders {
  return {
    ...(context.message.headers ?? {}),
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
 * Whether retrying can help. Contract violations and errors flagged `retryable: false` (domain
 * errors with stable codes, CONTRIBUTING.md) go to the DLQ at once; anything else is retried.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof ContractViolation) return false;
  if (typeof error === 'object' && error !== null && 'retryable' in error) {
    return error.retryable !== false;
  }
  return true;
}

/** Node socket errors and PostgreSQL codes that say "the database is unreachable", not "this event is bad". */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  '53300', // too_many_connections
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);
const UNREACHABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection is not open/i,
];

/**
 * Whether the failure is the infrastructure's (PostgreSQL down or unreachable) rather than the
 * event's. Such a message is never dead-lettered: a short outage would otherwise empty the topic into
 * the DLQ. It is redelivered instead, once the retries in process are spent.
 */
export function isInfrastructureError(error: unknown): boolean {
  const code = errorCodeOf(error);
  if (code && (UNREACHABLE_CODES.has(code) || code.startsWith('08'))) return true; // class 08: connection exception
  const message = error instanceof Error ? error.message : '';
  return UNREACHABLE_MESSAGES.some((pattern) => pattern.test(message));
}

function truncate(text: string): string {
  return text.length > ERROR_HEADER_MAX_LENGTH ? `${text.slice(0, ERROR_HEADER_MAX_LENGTH - 1)}…` : text;
}
