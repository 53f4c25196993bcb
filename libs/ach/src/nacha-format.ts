/**
 * Pieces of the NACHA record format (Nacha Operating Rules Appendix Three, "ACH Record Format
 * Specifications") shared by the writer and the reader.
 */

export const RECORD_LENGTH = 94;
export const BLOCKING_FACTOR = 10;
export const FILLER_RECORD = '9'.repeat(RECORD_LENGTH);

export type AccountType = 'checking' | 'savings' | 'general_ledger' | 'loan';
export type EntryDirection = 'credit' | 'debit';
export type TransactionKind = 'live' | 'prenote' | 'zero_dollar' | 'return_or_noc';

export interface TransactionCodeInfo {
  code: number;
  account: AccountType;
  direction: EntryDirection;
  kind: TransactionKind;
}

// The second digit says what the entry is: 1 return/NOC credit, 2 live credit, 3 prenote credit,
// 4 zero-dollar credit, 6 return/NOC debit, 7 live debit, 8 prenote debit, 9 zero-dollar debit.
// Loans have 55 (debit, reversals only) and 56 (return/NOC debit) instead of 57-59.
const ACCOUNT_BY_FIRST_DIGIT: Record<string, AccountType> = {
  '2': 'checking',
  '3': 'savings',
  '4': 'general_ledger',
  '5': 'loan',
};
const KIND_BY_SECOND_DIGIT: Record<string, [EntryDirection, TransactionKind]> = {
  '1': ['credit', 'return_or_noc'],
  '2': ['credit', 'live'],
  '3': ['credit', 'prenote'],
  '4': ['credit', 'zero_dollar'],
  '6': ['debit', 'return_or_noc'],
  '7': ['debit', 'live'],
  '8': ['debit', 'prenote'],
  '9': ['debit', 'zero_dollar'],
};

function buildTransactionCodes(): ReadonlyMap<number, TransactionCodeInfo> {
  const codes = new Map<number, TransactionCodeInfo>();
  for (const [first, account] of Object.entries(ACCOUNT_BY_FIRST_DIGIT)) {
    for (const [second, [direction, kind]] of Object.entries(KIND_BY_SECOND_DIGIT)) {
      const code = Number(first + second);
      // Loan accounts take no prenote / zero-dollar debits (57-59); 55 is the loan debit.
      if (account === 'loan' && direction === 'debit' && kind !== 'return_or_noc') continue;
      codes.set(code, Object.freeze({ code, account, direction, kind }));
    }
  }
  codes.set(55, Object.freeze({ code: 55, account: 'loan', direction: 'debit', kind: 'live' }));
  return codes;
}

const TRANSACTION_CODES = buildTransactionCodes();

export function describeTransactionCode(code: number): TransactionCodeInfo | undefined {
  return TRANSACTION_CODES.get(code);
}

/** Left-justified, space-filled alphanumeric field. The caller has checked the length. */
export function alpha(value: string, width: number): string {
  return value.padEnd(width, ' ');
}

/** Right-justified, zero-filled numeric field. The caller has checked the value fits. */
export function numeric(value: number | string, width: number): string {
  return String(value).padStart(width, '0');
}

/** Entry hash arithmetic: the rightmost ten digits of a sum of 8-digit routing prefixes. */
export const ENTRY_HASH_MODULUS = 10_000_000_000;

export function addToEntryHash(hash: number, receivingDfi: string | number): number {
  return (hash + Number(receivingDfi)) % ENTRY_HASH_MODULUS;
}

/** 'YYYY-MM-DD' -> 'YYMMDD'; the caller has validated the date. */
export function isoToYymmdd(iso: string): string {
  return iso.slice(2, 4) + iso.slice(5, 7) + iso.slice(8, 10);
}

function isValidCalendarDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return day <= daysInMonth;
}

/** Valid 'YYYY-MM-DD' in 2000-2099 (what a two-digit NACHA year can hold). */
export function isIsoDate(value: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!match) return false;
  const year = Number(match[1]);
  return year >= 2000 && year <= 2099 && isValidCalendarDate(year, Number(match[2]), Number(match[3]));
}

/**
 * 'YYMMDD' -> 'YYYY-MM-DD', or undefined when it is not a calendar date. NACHA years have two digits;
 * every file this platform exchanges is from this century, so YY means 20YY.
 */
export function yymmddToIso(value: string): string | undefined {
  if (!/^\d{6}$/.test(value)) return undefined;
  const year = 2000 + Number(value.slice(0, 2));
  if (!isValidCalendarDate(year, Number(value.slice(2, 4)), Number(value.slice(4, 6)))) return undefined;
  return `${year}-${value.slice(2, 4)}-${value.slice(4, 6)}`;
}

export function isHhmm(value: string): boolean {
  const match = /^(\d{2})(\d{2})$/.exec(value);
  return match !== null && Number(match[1]) <= 23 && Number(match[2]) <= 59;
}

/** NACHA alphanumeric fields carry printable ASCII only (0x20-0x7E). */
export function isPrintableAscii(value: string): boolean {
  return /^[\x20-\x7E]*$/.test(value);
}
