import {
  KafkaJSConnectionError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
} from 'kafkajs';
import { QueryFailedError } from 'typeorm';
import { ContractViolation } from '@remit/contracts';
import {
  classifyFailure,
  EventRefused,
  deadLetterErrorCode,
  deadLetterErrorText,
  deadLetterHeaders,
  HANDLER_FAILED_CODE,
  isInfrastructureError,
  isRetryable,
  withoutDeadLetterHeaders,
  type FailureKind,
} from './dead-letter';

describe('deadLetterHeaders', () => {
  const base = {
    topic: 'settlement.payments.v1',
    partition: 3,
    message: { offset: '42', headers: { ce_id: Buffer.from('e-1'), 'dlq-error': 'stale' } },
    groupId: 'invoice',
    attempts: 5,
    failedAt: new Date('2026-11-23T15:00:00Z'),
  };

  it('keeps the original headers and adds where and why it failed', () => {
    const headers = deadLetterHeaders({ ...base, error: new Error('boom') });
    expect(headers).toEqual({
      ce_id: Buffer.from('e-1'),
      'dlq-error': 'boom',
      'dlq-error-code': HANDLER_FAILED_CODE,
      'dlq-original-topic': 'settlement.payments.v1',
      'dlq-original-partition': '3',
      'dlq-original-offset': '42',
      'dlq-consumer-group': 'invoice',
      'dlq-failed-at': '2026-11-23T15:00:00.000Z',
      'dlq-attempts': '5',
    });
  });

  it('uses the error code of a contract violation', () => {
    const violation = new ContractViolation('invalid data for payment.posted', [
      { path: 'amountCents', message: 'Required' },
    ]);
    expect(deadLetterErrorCode(violation)).toBe('CONTRACT.INVALID_EVENT');
    expect(deadLetterErrorText(violation)).toBe('invalid data for payment.posted (amountCents: Required)');
  });

  it('uses the stable code of a domain error', () => {
    const error = Object.assign(new Error('no such invoice'), { code: 'INVOICE.NOT_FOUND' });
    expect(deadLetterErrorCode(error)).toBe('INVOICE.NOT_FOUND');
  });

  it('truncates long messages', () => {
    expect(deadLetterErrorText(new Error('x'.repeat(5000))).length).toBe(1000);
  });
});

describe('withoutDeadLetterHeaders', () => {
  it('drops the headers of an earlier failure or replay and keeps the rest', () => {
    expect(
      withoutDeadLetterHeaders({
        ce_id: 'e-1',
        'x-trace': 't',
        'dlq-error-code': 'OLD',
        'dlq-replay-group': 'remit-test.invoice',
      }),
    ).toEqual({ ce_id: 'e-1', 'x-trace': 't' });
    expect(withoutDeadLetterHeaders(undefined)).toEqual({});
  });

  it('is applied when a replayed letter is dead-lettered again', () => {
    const headers = deadLetterHeaders({
      topic: 't',
      partition: 0,
      message: { offset: '7', headers: { 'dlq-replay-group': 'g', 'dlq-replayed-from': 't.dlq/0/3' } },
      groupId: 'g',
      attempts: 1,
      failedAt: new Date('2026-11-23T15:00:00Z'),
      error: new Error('again'),
    });
    expect(headers).not.toHaveProperty('dlq-replay-group');
    expect(headers).not.toHaveProperty('dlq-replayed-from');
  });
});

const withCode = (code: string, message = 'failed'): Error => Object.assign(new Error(message), { code });
/** What TypeORM throws for a failed query: the driver's code copied, the driver error kept. */
const queryFailed = (code: string): QueryFailedError =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(`sqlstate ${code}`), { code }));
const kafkaProtocolError = (type: string, retriable: boolean): KafkaJSProtocolError =>
  new KafkaJSProtocolError(Object.assign(new Error(type), { type, code: 3, retriable }));
const named = (name: string, message = 'failed'): Error => Object.assign(new Error(message), { name });

describe('classifyFailure', () => {
  const cases: [name: string, error: unknown, expected: FailureKind][] = [
    // The event's fault, for certain: dead-lettered at once.
    ['a contract violation', new ContractViolation('bad'), 'poison'],
    [
      'an EventRefused (an unknown payment, say)',
      new EventRefused('PAYMENT.UNKNOWN', 'no such payment'),
      'poison',
    ],
    [
      'a domain refusal flagged retryable: false',
      Object.assign(new Error('rule'), { retryable: false }),
      'poison',
    ],
    [
      'retryable: false wins over a transient-looking code',
      Object.assign(withCode('40001'), { retryable: false }),
      'poison',
    ],
    // PostgreSQL says "try again": retried as long as it lasts.
    ['serialization failure 40001', queryFailed('40001'), 'transient'],
    ['deadlock 40P01', queryFailed('40P01'), 'transient'],
    ['lock_not_available 55P03', queryFailed('55P03'), 'transient'],
    ['statement timeout 57014', queryFailed('57014'), 'transient'],
    ['read-only transaction after a failover 25006', queryFailed('25006'), 'transient'],
    ['connection failure, class 08 (08006)', queryFailed('08006'), 'transient'],
    ['connection does not exist 08003', withCode('08003'), 'transient'],
    ['admin shutdown 57P01', withCode('57P01'), 'transient'],
    ['crash shutdown 57P02', withCode('57P02'), 'transient'],
    ['cannot connect now 57P03', withCode('57P03'), 'transient'],
    ['idle session timeout 57P05', withCode('57P05'), 'transient'],
    ['too many connections, class 53 (53300)', withCode('53300'), 'transient'],
    ['out of memory, class 53 (53200)', withCode('53200'), 'transient'],
    // Sockets and drivers.
    ['connection refused', withCode('ECONNREFUSED'), 'transient'],
    ['connection reset', withCode('ECONNRESET'), 'transient'],
    ['timed out', withCode('ETIMEDOUT'), 'transient'],
    ['DNS lookup failed for now', withCode('EAI_AGAIN'), 'transient'],
    ['pg: the server closed the connection', new Error('Connection terminated unexpectedly'), 'transient'],
    ['pg pool could not connect in time', new Error('timeout exceeded when trying to connect'), 'transient'],
    // Wrapped: a use case that rethrows with a cause, TypeORM around the driver.
    [
      'a deadlock as the cause of a use-case error',
      new Error('apply failed', { cause: queryFailed('40P01') }),
      'transient',
    ],
    [
      'two levels of causes',
      new Error('a', { cause: new Error('b', { cause: withCode('ECONNRESET') }) }),
      'transient',
    ],
    // Redis.
    [
      'ioredis gave up on a command',
      named('MaxRetriesPerRequestError', 'Reached the max retries per request limit'),
      'transient',
    ],
    ['ioredis connection closed', new Error('Connection is closed.'), 'transient'],
    [
      'Redis loading its dataset',
      named('ReplyError', 'LOADING Redis is loading the dataset in memory'),
      'transient',
    ],
    [
      'Redis replica during a failover',
      named('ReplyError', "READONLY You can't write against a read only replica."),
      'transient',
    ],
    [
      'a Redis reply error about the command',
      named('ReplyError', 'WRONGTYPE Operation against a key'),
      'unknown',
    ],
    // Kafka.
    ['broker unreachable', new KafkaJSConnectionError('Connection error: connect ECONNREFUSED'), 'transient'],
    ['request timed out', new KafkaJSRequestTimeoutError('Request produce(key: 0) timed out'), 'transient'],
    [
      'kafkajs gave up retrying',
      new KafkaJSNumberOfRetriesExceeded(new Error('boom'), { retryCount: 5, retryTime: 1000 }),
      'transient',
    ],
    [
      'a retriable protocol error (leader election)',
      kafkaProtocolError('LEADER_NOT_AVAILABLE', true),
      'transient',
    ],
    ['a non-retriable protocol error', kafkaProtocolError('MESSAGE_TOO_LARGE', false), 'unknown'],
    // Neither: retried up to maxAttempts, then dead-lettered.
    ['unique violation 23505 (the event is the problem)', queryFailed('23505'), 'unknown'],
    ['check violation 23514', withCode('23514'), 'unknown'],
    ['a plain error', new Error('boom'), 'unknown'],
    ['an error flagged retryable: true', Object.assign(new Error('busy'), { retryable: true }), 'unknown'],
    ['a domain error code that looks like nothing', withCode('INVOICE.NOT_FOUND'), 'unknown'],
    ['a thrown string', 'ECONNREFUSED', 'unknown'],
    ['undefined', undefined, 'unknown'],
    [
      'a cause cycle',
      ((): Error => {
        const a = new Error('a');
        const b = new Error('b', { cause: a });
        Object.assign(a, { cause: b });
        return a;
      })(),
      'unknown',
    ],
    [
      'a driverError cycle',
      ((): Error => {
        const a = new Error('a');
        const b = Object.assign(new Error('b'), { driverError: a });
        Object.assign(a, { driverError: b });
        return a;
      })(),
      'unknown',
    ],
    [
      'a transient driver error behind a cycle',
      ((): Error => {
        const a = new Error('a');
        Object.assign(a, { cause: a, driverError: withCode('40P01') });
        return a;
      })(),
      'transient',
    ],
  ];
  it.each(cases.map(([name, error, expected]) => [name, expected, error] as const))(
    '%s → %s',
    (_name, expected, error) => {
      expect(classifyFailure(error)).toBe(expected);
      expect(isInfrastructureError(error)).toBe(expected === 'transient');
      expect(isRetryable(error)).toBe(expected !== 'poison');
    },
  );
});
