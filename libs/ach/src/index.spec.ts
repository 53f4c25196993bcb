import * as ach from '@remit/ach';
import { AchError, isAchError, nachaLineError } from './ach-error';

describe(AchError.name, () => {
  it('is an Error carrying a stable code and, for NACHA files, the line and field', () => {
    const error = nachaLineError('NACHA.MALFORMED', 3, 'checkDigit', 'check digit 5 does not match 4');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(AchError);
    expect(error).toMatchObject({ name: 'AchError', code: 'NACHA.MALFORMED', line: 3, field: 'checkDigit' });
    expect(error.message).toBe('NACHA line 3, field checkDigit: check digit 5 does not match 4');
    expect(isAchError(error)).toBe(true);
    expect(isAchError(new Error('other'))).toBe(false);
  });

  it('leaves out details it was not given', () => {
    const error = new AchError('ACH.INVALID_ARGUMENT', 'bad');
    expect([error.line, error.field, error.rule]).toEqual([undefined, undefined, undefined]);
    expect(JSON.parse(JSON.stringify(error))).toEqual({ code: 'ACH.INVALID_ARGUMENT', name: 'AchError' });
  });
});

describe('@remit/ach public API', () => {
  it.each([
    'AchError',
    'isAchError',
    'validateRoutingNumber',
    'assertRoutingNumber',
    'isValidRoutingNumber',
    'abaCheckDigit',
    'lookupReturnCode',
    'getReturnCode',
    'isReturnCode',
    'mayRepresent',
    'writeNachaFile',
    'toNachaFileInput',
    'readNachaFile',
    'extractReturns',
    'extractNotificationsOfChange',
    'describeTransactionCode',
  ])('exports %s', (name) => {
    expect(typeof (ach as Record<string, unknown>)[name]).toBe('function');
  });

  it('exports the re-presentment limits and the return code table', () => {
    expect(ach.MAX_REPRESENTMENTS).toBe(2);
    expect(ach.REPRESENTMENT_WINDOW_DAYS).toBe(180);
    expect(ach.RETURN_CODES.length).toBeGreaterThan(60);
  });

  it.each([
    [27, { account: 'checking', direction: 'debit', kind: 'live' }],
    [22, { account: 'checking', direction: 'credit', kind: 'live' }],
    [26, { account: 'checking', direction: 'debit', kind: 'return_or_noc' }],
    [21, { account: 'checking', direction: 'credit', kind: 'return_or_noc' }],
    [28, { account: 'checking', direction: 'debit', kind: 'prenote' }],
    [37, { account: 'savings', direction: 'debit', kind: 'live' }],
    [34, { account: 'savings', direction: 'credit', kind: 'zero_dollar' }],
    [49, { account: 'general_ledger', direction: 'debit', kind: 'zero_dollar' }],
    [55, { account: 'loan', direction: 'debit', kind: 'live' }],
    [56, { account: 'loan', direction: 'debit', kind: 'return_or_noc' }],
    [52, { account: 'loan', direction: 'credit', kind: 'live' }],
  ])('describes transaction code %i', (code, info) => {
    expect(ach.describeTransactionCode(code)).toEqual({ code, ...info });
  });

  it.each([20, 25, 30, 35, 45, 57, 58, 59, 61, 99])('knows %i is not a transaction code', (code) => {
    expect(ach.describeTransactionCode(code)).toBeUndefined();
  });
});
