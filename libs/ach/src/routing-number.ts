import { AchError } from './ach-error';

export type RoutingNumberRule = 'LENGTH' | 'DIGITS' | 'PREFIX' | 'CHECK_DIGIT';

export type RoutingNumberValidation =
  { valid: true } | { valid: false; rule: RoutingNumberRule; message: string };

/** ABA weights for the nine digits: 3-7-1 repeated. */
const WEIGHTS = [3, 7, 1, 3, 7, 1, 3, 7, 1] as const;

/**
 * The ABA check digit for the first eight digits of a routing number (the Receiving DFI Identification
 * of a NACHA entry): the digit that makes 3(d1+d4+d7) + 7(d2+d5+d8) + (d3+d6+d9) a multiple of 10.
 */
export function abaCheckDigit(firstEightDigits: string): number {
  if (!/^\d{8}$/.test(firstEightDigits)) {
    throw new AchError('ACH.INVALID_ARGUMENT', 'abaCheckDigit needs exactly 8 digits');
  }
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += Number(firstEightDigits[i]) * WEIGHTS[i];
  return (10 - (sum % 10)) % 10;
}

/**
 * Federal Reserve routing symbol prefixes (first two digits) that identify a real institution:
 * 00 United States Government, 01-12 the twelve Federal Reserve districts (primary), 21-32 thrift
 * institutions of those districts, 61-72 electronic transactions, 80 traveler's cheques. Everything
 * else (13-20, 33-60, 73-79, 81-99) is unassigned or reserved.
 */
function hasValidPrefix(routingNumber: string): boolean {
  const prefix = Number(routingNumber.slice(0, 2));
  return (
    prefix === 0 ||
    (prefix >= 1 && prefix <= 12) ||
    (prefix >= 21 && prefix <= 32) ||
    (prefix >= 61 && prefix <= 72) ||
    prefix === 80
  );
}

/**
 * Validates an ABA routing transit number. The value is checked exactly as given (no trimming):
 * callers decide whether user input may carry spaces.
 */
export function validateRoutingNumber(value: string): RoutingNumberValidation {
  if (typeof value !== 'string' || !/^\d*$/.test(value)) {
    return { valid: false, rule: 'DIGITS', message: 'routing number must contain digits only' };
  }
  if (value.length !== 9) {
    return {
      valid: false,
      rule: 'LENGTH',
      message: `routing number must be 9 digits, got ${value.length}`,
    };
  }
  // 000000000 passes the check-digit formula and sits in the government prefix, but no institution has it.
  if (!hasValidPrefix(value) || value === '000000000') {
    return {
      valid: false,
      rule: 'PREFIX',
      message: `routing number prefix ${value.slice(0, 2)} is not a Federal Reserve routing symbol (00, 01-12, 21-32, 61-72, 80)`,
    };
  }
  const expected = abaCheckDigit(value.slice(0, 8));
  if (Number(value[8]) !== expected) {
    return {
      valid: false,
      rule: 'CHECK_DIGIT',
      message: `routing number check digit ${value[8]} does not match the ABA check digit ${expected}`,
    };
  }
  return { valid: true };
}

export function isValidRoutingNumber(value: string): boolean {
  return validateRoutingNumber(value).valid;
}

/**
 * Throws AchError ACH.ROUTING_NUMBER_INVALID (with `rule`, and `field` when given) unless valid.
 */
export function assertRoutingNumber(value: string, field = 'routingNumber'): void {
  const result = validateRoutingNumber(value);
  if (!result.valid) {
    throw new AchError('ACH.ROUTING_NUMBER_INVALID', `${field}: ${result.message}`, {
      field,
      rule: result.rule,
    });
  }
}
