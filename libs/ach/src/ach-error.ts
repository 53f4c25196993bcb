/**
 * Stable error codes of the ACH library. They are data (CONTRIBUTING.md, "Errors are data"): the edge
 * maps them to the HTTP error envelope or to retry / dead-letter decisions; nothing here knows about HTTP.
 */
export type AchErrorCode =
  /** A routing number failed one of the rules in routing-number.ts (`rule` says which). */
  | 'ACH.ROUTING_NUMBER_INVALID'
  /** `getReturnCode` was asked for a code that is not in the NACHA table. */
  | 'ACH.RETURN_CODE_UNKNOWN'
  /** A function received an argument outside its domain (e.g. a negative day count). */
  | 'ACH.INVALID_ARGUMENT'
  /** `writeNachaFile` input that cannot become a valid NACHA file. */
  | 'NACHA.INVALID_INPUT'
  /** A NACHA file whose records cannot be read or break a record-level rule (`line`, `field`). */
  | 'NACHA.MALFORMED'
  /** A batch or file control record whose counts, hash or totals differ from the records read. */
  | 'NACHA.CONTROL_MISMATCH'
  /** A well-formed record of a kind this library does not read (IAT and ADV batches). */
  | 'NACHA.UNSUPPORTED';

export interface AchErrorDetails {
  /** 1-based line number in the NACHA file (reader errors). */
  line?: number;
  /** The field at fault: a NACHA field name ('checkDigit') or an input path ('batches[0].entries[1].amountCents'). */
  field?: string;
  /** For ACH.ROUTING_NUMBER_INVALID: the rule that failed. */
  rule?: string;
}

/**
 * The one error type of @remit/ach. Messages never contain a bank account number: they may be logged.
 */
export class AchError extends Error {
  readonly code: AchErrorCode;
  readonly line?: number;
  readonly field?: string;
  readonly rule?: string;

  constructor(code: AchErrorCode, message: string, details: AchErrorDetails = {}) {
    super(message);
    this.name = 'AchError';
    this.code = code;
    if (details.line !== undefined) this.line = details.line;
    if (details.field !== undefined) this.field = details.field;
    if (details.rule !== undefined) this.rule = details.rule;
  }
}

/** Builds a reader error whose message names the line and the field, e.g. "NACHA line 3, field checkDigit: ...". */
export function nachaLineError(
  code: Extract<AchErrorCode, `NACHA.${string}`>,
  line: number,
  field: string,
  detail: string,
): AchError {
  return new AchError(code, `NACHA line ${line}, field ${field}: ${detail}`, { line, field });
}

export function isAchError(value: unknown): value is AchError {
  return value instanceof AchError;
}
