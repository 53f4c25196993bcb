import { AchError } from './ach-error';
import {
  abaCheckDigit,
  assertRoutingNumber,
  isValidRoutingNumber,
  validateRoutingNumber,
} from './routing-number';

describe(validateRoutingNumber.name, () => {
  it.each([
    ['021000021', 'JPMorgan Chase, New York (district 02)'],
    ['011000015', 'Federal Reserve Bank of Boston (district 01)'],
    ['122105155', 'district 12 (San Francisco)'],
    ['231380104', 'thrift range (23)'],
    ['026009593', 'Bank of America, New York'],
    ['121042882', 'Wells Fargo, San Francisco'],
    ['322271627', 'thrift range upper end (32)'],
    ['000000518', 'United States Government prefix (00)'],
    ['610000005', 'electronic range lower end (61)'],
    ['720000005', 'electronic range upper end (72)'],
    ['800000006', "traveler's cheques (80)"],
  ])('accepts %s (%s)', (routingNumber) => {
    expect(validateRoutingNumber(routingNumber)).toEqual({ valid: true });
    expect(isValidRoutingNumber(routingNumber)).toBe(true);
  });

  it.each([
    ['02100002', 'LENGTH', 'eight digits'],
    ['0210000210', 'LENGTH', 'ten digits'],
    ['', 'LENGTH', 'empty'],
    ['02100002A', 'DIGITS', 'a letter'],
    ['021-000-021', 'DIGITS', 'dashes'],
    [' 21000021', 'DIGITS', 'a leading space'],
    ['130000006', 'PREFIX', 'unassigned 13, check digit right'],
    ['200000004', 'PREFIX', 'unassigned 20, check digit right'],
    ['330000000', 'PREFIX', 'unassigned 33, check digit right'],
    ['600000002', 'PREFIX', 'unassigned 60, check digit right'],
    ['730000008', 'PREFIX', 'unassigned 73, check digit right'],
    ['810000009', 'PREFIX', 'unassigned 81, check digit right'],
    ['000000000', 'PREFIX', 'all zeros'],
    ['021000022', 'CHECK_DIGIT', 'last digit off by one'],
    ['231380105', 'CHECK_DIGIT', 'the check digit of the malformed moov fixture'],
    ['012000021', 'CHECK_DIGIT', 'transposed digits'],
  ])('refuses %p with rule %s (%s)', (routingNumber, rule) => {
    const result = validateRoutingNumber(routingNumber);
    expect(result).toMatchObject({ valid: false, rule });
    expect(result.valid === false && result.message.length).toBeGreaterThan(0);
  });

  it('refuses a value that is not a string with rule DIGITS', () => {
    expect(validateRoutingNumber(21000021 as unknown as string)).toMatchObject({
      valid: false,
      rule: 'DIGITS',
    });
  });
});

describe(abaCheckDigit.name, () => {
  it.each([
    ['02100002', 1],
    ['23138010', 4],
    ['08100021', 0],
    ['09140060', 6],
  ])('is %s -> %i (3-7-1 weights)', (firstEight, digit) => {
    expect(abaCheckDigit(firstEight)).toBe(digit);
  });

  it('refuses anything but eight digits', () => {
    expect(() => abaCheckDigit('1234567')).toThrow(AchError);
  });
});

describe(assertRoutingNumber.name, () => {
  it('passes a valid routing number', () => {
    expect(() => assertRoutingNumber('021000021')).not.toThrow();
  });

  it.each([
    ['0210000', 'LENGTH'],
    ['02100002x', 'DIGITS'],
    ['990000000', 'PREFIX'],
    ['021000020', 'CHECK_DIGIT'],
  ])('throws ACH.ROUTING_NUMBER_INVALID for %s with rule %s', (routingNumber, rule) => {
    let caught: unknown;
    try {
      assertRoutingNumber(routingNumber, 'method.routingNumber');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(AchError);
    expect(caught).toMatchObject({ code: 'ACH.ROUTING_NUMBER_INVALID', rule, field: 'method.routingNumber' });
    expect((caught as AchError).message).toMatch(/^method\.routingNumber: /);
  });
});
