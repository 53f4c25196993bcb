import { DatabaseError } from 'pg';
import { MaxRetriesPerRequestError } from 'ioredis/built/errors';
import { QueryFailedError } from 'typeorm';
import { DomainError } from '@remit/money';
import { AppError } from './app-error';
import { classifyInfrastructureError, RETRY_AFTER_SECONDS } from './infrastructure-error';

/** An error as pg raises it for a SQLSTATE. */
function pgError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

/** A Node socket error (`connect ECONNREFUSED 127.0.0.1:5432`). */
function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), {
    code,
    errno: -111,
    syscall: 'connect',
  });
}

/** What TypeORM throws for a failed query: the pg error as `driverError`, its fields copied over. */
function queryFailed(driverError: Error): QueryFailedError {
  return new QueryFailedError('SELECT 1', [], driverError);
}

describe(classifyInfrastructureError.name, () => {
  it.each([
    // PostgreSQL unreachable or going away
    ['PostgreSQL refusing connections', socketError('ECONNREFUSED'), 'unreachable', 'ECONNREFUSED'],
    ['a connection reset', socketError('ECONNRESET'), 'unreachable', 'ECONNRESET'],
    ['a connect timing out', socketError('ETIMEDOUT'), 'unreachable', 'ETIMEDOUT'],
    ['a host that cannot be resolved', socketError('ENOTFOUND'), 'unreachable', 'ENOTFOUND'],
    [
      'connection exception 08006',
      pgError('08006', 'connection failure'),
      'unreachable',
      '08006 connection_exception',
    ],
    ['connection does not exist 08003', pgError('08003', 'x'), 'unreachable', '08003 connection_exception'],
    [
      'admin shutdown 57P01',
      pgError('57P01', 'terminating connection due to administrator command'),
      'unreachable',
      '57P01 admin_shutdown',
    ],
    ['crash shutdown 57P02', pgError('57P02', 'x'), 'unreachable', '57P02 crash_shutdown'],
    [
      'starting up 57P03',
      pgError('57P03', 'the database system is starting up'),
      'unreachable',
      '57P03 cannot_connect_now',
    ],
    [
      'pg losing its connection',
      new Error('Connection terminated unexpectedly'),
      'unreachable',
      'pg connection terminated',
    ],
    [
      'pg connect timeout',
      new Error('Connection terminated due to connection timeout'),
      'unreachable',
      'pg connection terminated',
    ],
    [
      'a broken pg client',
      new Error('Client has encountered a connection error and is not queryable'),
      'unreachable',
      'pg client not queryable',
    ],
    // PostgreSQL busy
    [
      'too many connections 53300',
      pgError('53300', 'sorry, too many clients already'),
      'busy',
      '53300 too_many_connections',
    ],
    [
      'the pg pool timing out',
      new Error('timeout exceeded when trying to connect'),
      'busy',
      'pg pool connect timeout',
    ],
    [
      'a lock timeout 55P03',
      pgError('55P03', 'canceling statement due to lock timeout'),
      'busy',
      '55P03 lock_not_available',
    ],
    [
      'a statement timeout 57014',
      pgError('57014', 'canceling statement due to statement timeout'),
      'busy',
      '57014 query_canceled',
    ],
    // PostgreSQL conflicts
    [
      'a serialization failure 40001',
      pgError('40001', 'could not serialize access'),
      'conflict',
      '40001 serialization_failure',
    ],
    ['a deadlock 40P01', pgError('40P01', 'deadlock detected'), 'conflict', '40P01 deadlock_detected'],
    [
      'a prepared statement a migration outdated (0A000 from RevalidateCachedQuery)',
      Object.assign(pgError('0A000', 'le plan mis en cache ne doit pas modifier le type en résultat'), {
        routine: 'RevalidateCachedQuery',
      }),
      'conflict',
      '0A000 cached plan changed',
    ],
    // Redis (ioredis)
    [
      'ioredis giving up after its retries',
      new MaxRetriesPerRequestError(1),
      'unreachable',
      'redis max retries per request',
    ],
    [
      'an ioredis connection closed for good',
      new Error('Connection is closed.'),
      'unreachable',
      'redis connection closed',
    ],
    [
      'ioredis not connected, offline queue off',
      new Error("Stream isn't writeable and enableOfflineQueue options is false"),
      'unreachable',
      'redis not connected',
    ],
    ['an ioredis command timeout', new Error('Command timed out'), 'busy', 'redis command timeout'],
    [
      'Redis refusing connections',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
      'unreachable',
      'ECONNREFUSED',
    ],
    // Wrapped
    [
      'a lock timeout through TypeORM',
      queryFailed(pgError('55P03', 'canceling statement due to lock timeout')),
      'busy',
      '55P03 lock_not_available',
    ],
    [
      'a deadlock through TypeORM',
      queryFailed(pgError('40P01', 'deadlock detected')),
      'conflict',
      '40P01 deadlock_detected',
    ],
    [
      'an outage as the cause of another error',
      new Error('saving failed', { cause: socketError('ECONNRESET') }),
      'unreachable',
      'ECONNRESET',
    ],
    [
      'every address refusing (AggregateError)',
      Object.assign(new AggregateError([socketError('ECONNREFUSED')], ''), {}),
      'unreachable',
      'ECONNREFUSED',
    ],
  ])('recognises %s', (_case, error, kind, reason) => {
    expect(classifyInfrastructureError(error)).toEqual({
      kind,
      reason,
      retryAfterSeconds: RETRY_AFTER_SECONDS[kind as keyof typeof RETRY_AFTER_SECONDS],
    });
  });

  it.each([
    ['a unique violation (the request is the problem)', pgError('23505', 'duplicate key value')],
    ['a check violation', pgError('23514', 'violates check constraint')],
    ['a syntax error (our bug)', pgError('42601', 'syntax error')],
    ['an undefined table (our bug)', queryFailed(pgError('42P01', 'relation does not exist'))],
    ['a plain Error', new Error('secret internals')],
    [
      'an Error that only mentions a connection',
      new Error('the connection string is wrong: Connection terminated'),
    ],
    [
      'a Redis reply error',
      Object.assign(new Error('WRONGTYPE Operation against a key'), { name: 'ReplyError' }),
    ],
    ['a domain error', new DomainError('ALLOCATION.EXCEEDS_AMOUNT_DUE', 'no')],
    ['an AppError', AppError.conflict('IDEMPOTENCY.REQUEST_IN_FLIGHT', 'busy')],
    ['a thrown string', 'ECONNREFUSED'],
    [
      'another 0A000 feature_not_supported',
      pgError('0A000', 'FOR UPDATE is not allowed with GROUP BY clause'),
    ],
    ['undefined', undefined],
    ['null', null],
  ])('leaves alone %s', (_case, error) => {
    expect(classifyInfrastructureError(error)).toBeUndefined();
  });

  it('stops following a cycle of causes', () => {
    const error: Error & { cause?: unknown } = new Error('loop');
    error.cause = error;
    expect(classifyInfrastructureError(error)).toBeUndefined();
  });

  it('asks for a short wait, longest when the server is unreachable', () => {
    expect(RETRY_AFTER_SECONDS.unreachable).toBeGreaterThan(RETRY_AFTER_SECONDS.busy);
    expect(RETRY_AFTER_SECONDS.busy).toBeGreaterThan(RETRY_AFTER_SECONDS.conflict);
    for (const seconds of Object.values(RETRY_AFTER_SECONDS)) {
      expect(seconds).toBeGreaterThanOrEqual(1);
      expect(seconds).toBeLessThanOrEqual(5);
    }
  });
});
