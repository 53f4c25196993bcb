import { ContractViolation } from '@remit/contracts';
import {
  deadLetterErrorCode,
  deadLetterErrorText,
  deadLetterHeaders,
  HANDLER_FAILED_CODE,
  isInfrastructureError,
  isRetryable,
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

describe('isRetryable', () => {
  it.each([
    ['a plain error', new Error('deadlock detected'), true],
    ['a contract violation', new ContractViolation('bad'), false],
    ['an error flagged retryable: false', Object.assign(new Error('rule'), { retryable: false }), false],
    ['an error flagged retryable: true', Object.assign(new Error('busy'), { retryable: true }), true],
    ['a thrown string', 'oops', true],
  ])('%s → %p', (_name, error, expected) => {
    expect(isRetryable(error)).toBe(expected);
  });
});

describe('isInfrastructureError', () => {
  const withCode = (code: string): Error => Object.assign(new Error('failed'), { code });
  it.each([
    ['connection refused', withCode('ECONNREFUSED'), true],
    ['connection reset', withCode('ECONNRESET'), true],
    ['PostgreSQL connection exception class 08', withCode('08006'), true],
    ['PostgreSQL shutting down', withCode('57P01'), true],
    ['too many connections', withCode('53300'), true],
    ['pg pool terminated the connection', new Error('Connection terminated unexpectedly'), true],
    ['pg pool could not connect in time', new Error('timeout exceeded when trying to connect'), true],
    ['unique violation (the event is the problem)', withCode('23505'), false],
    ['deadlock (retried in process, then dead-lettered)', withCode('40P01'), false],
    ['a domain error', withCode('INVOICE.NOT_FOUND'), false],
    ['a thrown string', 'ECONNREFUSED', false],
  ])('%s → %p', (_name, error, expected) => {
    expect(isInfrastructureError(error)).toBe(expected);
  });
});
