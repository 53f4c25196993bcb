import { getReturnCode } from '@remit/ach';
import { changeCodeDescription, correctedDataOf, last4Of, returnClassOf } from './return-rules';

describe(returnClassOf.name, () => {
  it.each([
    ['R01', 're-presentable'],
    ['R09', 're-presentable'],
    ['R02', 'account-level'],
    ['R03', 'account-level'],
    ['R04', 'account-level'],
    ['R07', 'authorization-revoked'],
    ['R10', 'authorization-revoked'],
    ['R06', 'other'],
    ['R11', 'other'],
  ])('%s is %s', (code, returnClass) => {
    expect(returnClassOf(getReturnCode(code))).toBe(returnClass);
  });
});

describe(correctedDataOf.name, () => {
  it.each([
    ['C01', '99887766554433', { accountNumber: '99887766554433' }],
    ['C02', '021000021', { routingNumber: '021000021' }],
    ['C03', '021000021   12345678', { routingNumber: '021000021', accountNumber: '12345678' }],
    ['C06', '12345678         32', { accountNumber: '12345678' }],
    ['C07', `021000021${'12345678'.padEnd(17)}32`, { routingNumber: '021000021', accountNumber: '12345678' }],
    ['C05', '32', {}],
    ['C02', 'not-a-routing', {}],
  ])('%s %j', (code, data, expected) => {
    expect(correctedDataOf(code, data)).toEqual(expected);
  });
});

describe(changeCodeDescription.name, () => {
  it('names the change, or says it was refused', () => {
    expect(changeCodeDescription('C01')).toBe('Incorrect bank account number');
    expect(changeCodeDescription('C61')).toBe('Refused notification of change');
  });
});

describe(last4Of.name, () => {
  it('keeps the last four digits', () => {
    expect(last4Of('99887766554433')).toBe('4433');
    expect(last4Of('12-3')).toBe('0123');
  });
});
