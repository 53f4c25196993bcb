import { type AchErrorCode, nachaLineError } from './ach-error';
import {
  BLOCKING_FACTOR,
  ENTRY_HASH_MODULUS,
  FILLER_RECORD,
  RECORD_LENGTH,
  addToEntryHash,
  describeTransactionCode,
  isHhmm,
  yymmddToIso,
} from './nacha-format';
import type {
  NachaAddenda,
  NachaBatch,
  NachaBatchControl,
  NachaBatchHeader,
  NachaEntry,
  NachaFile,
  NachaFileControl,
  NachaFileHeader,
  NotificationOfChangeAddenda,
  PaymentAddenda,
  ReturnAddenda,
} from './nacha-types';
import { abaCheckDigit } from './routing-number';
import { type ReturnCodeCategory, lookupReturnCode } from './return-codes';

export interface ReadNachaOptions {
  /**
   * Return reason codes outside the NACHA table that the bank is known to send (e.g. ['R97']). By default
   * only NACHA codes are accepted: an addenda 99 with any other code is refused (field 'returnCode').
   */
  customReturnCodes?: readonly string[];
}

/** Notification of change codes C01-C14 and refused-NOC codes C61-C69 (Appendix Four, Part 4.3). */
const CHANGE_CODES: ReadonlySet<string> = new Set([
  ...Array.from({ length: 14 }, (_, i) => `C${String(i + 1).padStart(2, '0')}`),
  ...Array.from({ length: 9 }, (_, i) => `C${61 + i}`),
]);

const SERVICE_CLASS_CODES: ReadonlySet<number> = new Set([200, 220, 225, 280]);

/** One record of the file: its 1-based line number and its text, normalised to 94 characters. */
interface Line {
  number: number;
  text: string;
}

/** Field access by the 1-based, inclusive positions used in the NACHA record layouts. */
class RecordReader {
  constructor(private readonly line: Line) {}

  get number(): number {
    return this.line.number;
  }

  raw(start: number, end: number): string {
    return this.line.text.slice(start - 1, end);
  }

  /** Left-justified alphanumeric field without its space filler. */
  text(start: number, end: number): string {
    return this.raw(start, end).trimEnd();
  }

  fail(
    field: string,
    detail: string,
    code: Extract<AchErrorCode, `NACHA.${string}`> = 'NACHA.MALFORMED',
  ): never {
    throw nachaLineError(code, this.line.number, field, detail);
  }

  digits(start: number, end: number, field: string): string {
    const value = this.raw(start, end);
    if (!/^\d+$/.test(value)) this.fail(field, `expected ${end - start + 1} digits, found '${value}'`);
    return value;
  }

  /** A numeric field as an integer (NACHA amounts are whole cents: no decimal point, no float). */
  integer(start: number, end: number, field: string): number {
    return Number.parseInt(this.digits(start, end, field), 10);
  }

  /** YYMMDD -> YYYY-MM-DD; blank or zero-filled -> null when `optional`. */
  date(start: number, end: number, field: string, optional: boolean): string | null {
    const value = this.raw(start, end);
    if (optional && (value.trim() === '' || /^0+$/.test(value))) return null;
    const iso = yymmddToIso(value);
    if (iso === undefined) this.fail(field, `'${value}' is not a date YYMMDD`);
    return iso;
  }

  expect(start: number, end: number, field: string, expected: string): void {
    const value = this.raw(start, end);
    if (value !== expected) this.fail(field, `expected '${expected}', found '${value}'`);
  }
}

function splitLines(text: string): Line[] {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rawLines = /[\r\n]/.test(body)
    ? body.split(/\r\n|\r|\n/)
    : // Some banks send unbroken 94-character records with no line ends at all.
      body.length > RECORD_LENGTH && body.length % RECORD_LENGTH === 0
      ? Array.from({ length: body.length / RECORD_LENGTH }, (_, i) =>
          body.slice(i * RECORD_LENGTH, (i + 1) * RECORD_LENGTH),
        )
      : [body];
  const lines: Line[] = [];
  rawLines.forEach((raw, index) => {
    const number = index + 1;
    if (raw.trim() === '') return; // blank lines (a final newline, padding) carry no record
    let normalised = raw;
    if (raw.length > RECORD_LENGTH) {
      // Extra trailing whitespace is tolerated; extra content is not.
      if (raw.slice(RECORD_LENGTH).trim() !== '') {
        throw nachaLineError(
          'NACHA.MALFORMED',
          number,
          'recordLength',
          `record is ${raw.length} characters; a NACHA record is ${RECORD_LENGTH}`,
        );
      }
      normalised = raw.slice(0, RECORD_LENGTH);
    } else if (raw.length < RECORD_LENGTH) {
      // Senders (and e-mail gateways) strip trailing spaces: restore the space filler.
      normalised = raw.padEnd(RECORD_LENGTH, ' ');
    }
    lines.push({ number, text: normalised });
  });
  return lines;
}

function parseFileHeader(r: RecordReader): NachaFileHeader {
  const immediateDestination = r.raw(4, 13).trim();
  if (!/^\d{9,10}$/.test(immediateDestination)) {
    r.fail('immediateDestination', 'expected a routing number (9 digits, or 10 with a leading 0)');
  }
  const immediateOrigin = r.raw(14, 23).trim();
  if (!/^[0-9A-Za-z]{1,10}$/.test(immediateOrigin)) {
    r.fail('immediateOrigin', 'expected up to 10 letters or digits');
  }
  const fileCreationDate = r.date(24, 29, 'fileCreationDate', false)!;
  const fileCreationTime = r.raw(30, 33).trim();
  if (fileCreationTime !== '' && !isHhmm(fileCreationTime)) {
    r.fail('fileCreationTime', `'${fileCreationTime}' is not a time HHMM`);
  }
  const fileIdModifier = r.raw(34, 34);
  if (!/^[A-Z0-9]$/.test(fileIdModifier)) r.fail('fileIdModifier', 'expected one character A-Z or 0-9');
  r.expect(35, 37, 'recordSize', '094');
  r.expect(38, 39, 'blockingFactor', '10');
  r.expect(40, 40, 'formatCode', '1');
  return {
    line: r.number,
    priorityCode: r.digits(2, 3, 'priorityCode'),
    immediateDestination,
    immediateOrigin,
    fileCreationDate,
    fileCreationTime,
    fileIdModifier,
    destinationName: r.text(41, 63),
    originName: r.text(64, 86),
    referenceCode: r.text(87, 94),
  };
}

function parseBatchHeader(r: RecordReader): NachaBatchHeader {
  const serviceClassCode = r.integer(2, 4, 'serviceClassCode');
  if (!SERVICE_CLASS_CODES.has(serviceClassCode)) {
    r.fail('serviceClassCode', `${serviceClassCode} is not one of 200, 220, 225, 280`);
  }
  const standardEntryClass = r.raw(51, 53);
  if (!/^[A-Z]{3}$/.test(standardEntryClass))
    r.fail('standardEntryClass', 'expected a three-letter SEC code');
  // IAT and ADV entries use other record layouts.
  if (standardEntryClass === 'IAT' || standardEntryClass === 'ADV') {
    r.fail('standardEntryClass', `${standardEntryClass} batches are not supported`, 'NACHA.UNSUPPORTED');
  }
  const settlementDate = r.raw(76, 78).trim();
  return {
    line: r.number,
    serviceClassCode,
    companyName: r.text(5, 20),
    companyDiscretionaryData: r.text(21, 40),
    companyIdentification: r.text(41, 50),
    standardEntryClass,
    companyEntryDescription: r.text(54, 63),
    companyDescriptiveDate: r.text(64, 69),
    effectiveEntryDate: r.date(70, 75, 'effectiveEntryDate', true),
    settlementDate: settlementDate === '' ? null : settlementDate,
    originatorStatusCode: r.raw(79, 79),
    originatingDfi: r.digits(80, 87, 'originatingDfi'),
    batchNumber: r.integer(88, 94, 'batchNumber'),
  };
}

function parseEntry(r: RecordReader, header: NachaBatchHeader): NachaEntry {
  const transactionCode = r.integer(2, 3, 'transactionCode');
  const info = describeTransactionCode(transactionCode);
  if (info === undefined) r.fail('transactionCode', `${transactionCode} is not a NACHA transaction code`);
  if (header.serviceClassCode === 220 && info.direction === 'debit') {
    r.fail('transactionCode', `debit transaction code ${transactionCode} in a credits-only batch (220)`);
  }
  if (header.serviceClassCode === 225 && info.direction === 'credit') {
    r.fail('transactionCode', `credit transaction code ${transactionCode} in a debits-only batch (225)`);
  }
  const receivingDfi = r.digits(4, 11, 'receivingDfi');
  const checkDigit = r.integer(12, 12, 'checkDigit');
  const expected = abaCheckDigit(receivingDfi);
  if (checkDigit !== expected) {
    r.fail(
      'checkDigit',
      `check digit ${checkDigit} does not match ${expected}, the ABA check digit of receiving DFI ${receivingDfi}`,
    );
  }
  const indicator = r.raw(79, 79);
  if (indicator !== '0' && indicator !== '1')
    r.fail('addendaRecordIndicator', `expected 0 or 1, found '${indicator}'`);
  return {
    line: r.number,
    transactionCode,
    direction: info.direction,
    routingNumber: receivingDfi + String(checkDigit),
    receivingDfi,
    checkDigit,
    // Account numbers are left-justified; some senders right-justify them, so trim both sides.
    accountNumber: r.raw(13, 29).trim(),
    amountCents: r.integer(30, 39, 'amount'),
    identificationNumber: r.text(40, 54),
    receivingName: r.text(55, 76),
    discretionaryData: r.text(77, 78),
    addendaRecordIndicator: indicator === '1' ? 1 : 0,
    traceNumber: r.digits(80, 94, 'traceNumber'),
    addenda: [],
  };
}

function returnCategory(code: string, options: ReadNachaOptions, r: RecordReader): ReturnCodeCategory {
  const known = lookupReturnCode(code);
  if (known) return known.category;
  if (options.customReturnCodes?.includes(code)) return 'return';
  return r.fail('returnCode', `'${code}' is not a NACHA return reason code`);
}

function parseReturnAddenda(r: RecordReader, options: ReadNachaOptions): ReturnAddenda {
  const returnCode = r.raw(4, 6);
  const category = returnCategory(returnCode, options, r);
  const common = {
    line: r.number,
    typeCode: '99' as const,
    category,
    returnCode,
    originalTraceNumber: r.digits(7, 21, 'originalTraceNumber'),
    originalReceivingDfi: r.digits(28, 35, 'originalReceivingDfi'),
    traceNumber: r.digits(80, 94, 'traceNumber'),
  };
  switch (category) {
    case 'return':
      return {
        ...common,
        dateOfDeath: r.date(22, 27, 'dateOfDeath', true),
        addendaInformation: r.text(36, 79),
      };
    case 'dishonored_return':
      // Appendix Three, Addenda Record for Dishonored Returns: positions 36-38 reserved.
      return {
        ...common,
        dateOfDeath: null,
        addendaInformation: r.text(59, 79),
        dishonored: {
          returnTraceNumber: r.raw(39, 53).trim(),
          returnSettlementDate: r.raw(54, 56).trim(),
          originalReturnCode: 'R' + r.raw(57, 58),
        },
      };
    case 'contested_dishonored_return':
      return {
        ...common,
        dateOfDeath: null,
        addendaInformation: '',
        contested: {
          dateOriginalEntryReturned: r.raw(22, 27).trim(),
          originalSettlementDate: r.raw(36, 38).trim(),
          returnTraceNumber: r.raw(39, 53).trim(),
          returnSettlementDate: r.raw(54, 56).trim(),
          originalReturnCode: 'R' + r.raw(57, 58),
          dishonoredReturnTraceNumber: r.raw(59, 73).trim(),
          dishonoredReturnSettlementDate: r.raw(74, 76).trim(),
          dishonoredReturnCode: 'R' + r.raw(77, 78),
        },
      };
  }
}

function parseNotificationOfChange(r: RecordReader): NotificationOfChangeAddenda {
  const changeCode = r.raw(4, 6);
  if (!CHANGE_CODES.has(changeCode)) r.fail('changeCode', `'${changeCode}' is not a NACHA change code`);
  return {
    line: r.number,
    typeCode: '98',
    changeCode,
    originalTraceNumber: r.digits(7, 21, 'originalTraceNumber'),
    originalReceivingDfi: r.digits(28, 35, 'originalReceivingDfi'),
    correctedData: r.text(36, 64),
    traceNumber: r.digits(80, 94, 'traceNumber'),
  };
}

function parsePaymentAddenda(r: RecordReader): PaymentAddenda {
  return {
    line: r.number,
    typeCode: '05',
    paymentRelatedInformation: r.text(4, 83),
    addendaSequenceNumber: r.integer(84, 87, 'addendaSequenceNumber'),
    entryDetailSequenceNumber: r.digits(88, 94, 'entryDetailSequenceNumber'),
  };
}

function parseAddenda(r: RecordReader, options: ReadNachaOptions): NachaAddenda {
  const typeCode = r.raw(2, 3);
  switch (typeCode) {
    case '05':
      return parsePaymentAddenda(r);
    case '98':
      return parseNotificationOfChange(r);
    case '99':
      return parseReturnAddenda(r, options);
    default:
      return r.fail('addendaTypeCode', `addenda type '${typeCode}' is not supported (05, 98, 99)`);
  }
}

interface Totals {
  entryAddendaCount: number;
  entryHash: number;
  totalDebitCents: number;
  totalCreditCents: number;
}

function batchTotals(entries: readonly NachaEntry[]): Totals {
  const totals: Totals = { entryAddendaCount: 0, entryHash: 0, totalDebitCents: 0, totalCreditCents: 0 };
  for (const entry of entries) {
    totals.entryAddendaCount += 1 + entry.addenda.length;
    totals.entryHash = addToEntryHash(totals.entryHash, entry.receivingDfi);
    if (entry.direction === 'debit') totals.totalDebitCents += entry.amountCents;
    else totals.totalCreditCents += entry.amountCents;
  }
  return totals;
}

function mismatch(r: RecordReader, field: string, what: string, found: number, computed: number): void {
  if (found !== computed) {
    r.fail(field, `${what} is ${found} but the records add up to ${computed}`, 'NACHA.CONTROL_MISMATCH');
  }
}

function parseBatchControl(
  r: RecordReader,
  header: NachaBatchHeader,
  entries: readonly NachaEntry[],
): NachaBatchControl {
  const control: NachaBatchControl = {
    line: r.number,
    serviceClassCode: r.integer(2, 4, 'serviceClassCode'),
    entryAddendaCount: r.integer(5, 10, 'entryAddendaCount'),
    entryHash: r.integer(11, 20, 'entryHash'),
    totalDebitCents: r.integer(21, 32, 'totalDebitAmount'),
    totalCreditCents: r.integer(33, 44, 'totalCreditAmount'),
    companyIdentification: r.text(45, 54),
    messageAuthenticationCode: r.text(55, 73),
    originatingDfi: r.digits(80, 87, 'originatingDfi'),
    batchNumber: r.integer(88, 94, 'batchNumber'),
  };
  if (control.serviceClassCode !== header.serviceClassCode) {
    r.fail(
      'serviceClassCode',
      `${control.serviceClassCode} differs from the batch header's ${header.serviceClassCode}`,
    );
  }
  // Some senders right-justify the company identification in one of the two records: compare trimmed.
  if (control.companyIdentification.trim() !== header.companyIdentification.trim()) {
    r.fail('companyIdentification', "differs from the batch header's company identification");
  }
  if (control.originatingDfi !== header.originatingDfi) {
    r.fail(
      'originatingDfi',
      `${control.originatingDfi} differs from the batch header's ${header.originatingDfi}`,
    );
  }
  if (control.batchNumber !== header.batchNumber) {
    r.fail('batchNumber', `${control.batchNumber} differs from the batch header's ${header.batchNumber}`);
  }
  const computed = batchTotals(entries);
  mismatch(
    r,
    'entryAddendaCount',
    'entry/addenda count',
    control.entryAddendaCount,
    computed.entryAddendaCount,
  );
  mismatch(r, 'entryHash', 'entry hash', control.entryHash, computed.entryHash);
  mismatch(r, 'totalDebitAmount', 'total debit amount', control.totalDebitCents, computed.totalDebitCents);
  mismatch(
    r,
    'totalCreditAmount',
    'total credit amount',
    control.totalCreditCents,
    computed.totalCreditCents,
  );
  return control;
}

function parseFileControl(
  r: RecordReader,
  batches: readonly NachaBatch[],
  recordCount: number,
): NachaFileControl {
  const control: NachaFileControl = {
    line: r.number,
    batchCount: r.integer(2, 7, 'batchCount'),
    blockCount: r.integer(8, 13, 'blockCount'),
    entryAddendaCount: r.integer(14, 21, 'entryAddendaCount'),
    entryHash: r.integer(22, 31, 'entryHash'),
    totalDebitCents: r.integer(32, 43, 'totalDebitAmount'),
    totalCreditCents: r.integer(44, 55, 'totalCreditAmount'),
  };
  let entryAddendaCount = 0;
  let entryHash = 0;
  let totalDebitCents = 0;
  let totalCreditCents = 0;
  for (const batch of batches) {
    entryAddendaCount += batch.control.entryAddendaCount;
    entryHash = (entryHash + batch.control.entryHash) % ENTRY_HASH_MODULUS;
    totalDebitCents += batch.control.totalDebitCents;
    totalCreditCents += batch.control.totalCreditCents;
  }
  mismatch(r, 'batchCount', 'batch count', control.batchCount, batches.length);
  // Block count covers the records up to the file control; '9' filler completes the last block.
  mismatch(r, 'blockCount', 'block count', control.blockCount, Math.ceil(recordCount / BLOCKING_FACTOR));
  mismatch(r, 'entryAddendaCount', 'entry/addenda count', control.entryAddendaCount, entryAddendaCount);
  mismatch(r, 'entryHash', 'entry hash', control.entryHash, entryHash);
  mismatch(r, 'totalDebitAmount', 'total debit amount', control.totalDebitCents, totalDebitCents);
  mismatch(r, 'totalCreditAmount', 'total credit amount', control.totalCreditCents, totalCreditCents);
  return control;
}

const RECORD_NAMES: Record<string, string> = {
  '1': 'file header (1)',
  '5': 'batch header (5)',
  '6': 'entry detail (6)',
  '7': 'addenda (7)',
  '8': 'batch control (8)',
  '9': 'file control (9)',
};

function unexpected(r: RecordReader, expected: readonly string[]): never {
  const found = r.raw(1, 1);
  return r.fail(
    'recordTypeCode',
    `expected ${expected.map((type) => RECORD_NAMES[type]).join(' or ')}, found record type '${found}'`,
  );
}

/**
 * Reads a NACHA file (origination, return or notification-of-change) written by any software. Tolerates
 * CRLF or LF line ends, blank lines, lines shorter than 94 characters (space filler restored) or longer
 * only by whitespace, and '9' filler records after the file control. Checks record order, each entry's
 * routing check digit, and every batch and file control (counts, entry hash, debit and credit totals)
 * against the records. Any failure throws AchError (NACHA.MALFORMED, NACHA.CONTROL_MISMATCH or
 * NACHA.UNSUPPORTED) with the 1-based `line` and the `field`.
 */
export function readNachaFile(text: string, options: ReadNachaOptions = {}): NachaFile {
  const lines = splitLines(text);
  const first = lines[0];
  if (first === undefined) {
    throw nachaLineError(
      'NACHA.MALFORMED',
      1,
      'recordTypeCode',
      'the file is empty; expected a file header (1)',
    );
  }
  const headerReader = new RecordReader(first);
  if (headerReader.raw(1, 1) !== '1') unexpected(headerReader, ['1']);
  const fileHeader = parseFileHeader(headerReader);

  const batches: NachaBatch[] = [];
  let batchHeader: NachaBatchHeader | undefined;
  let entries: NachaEntry[] = [];
  let fileControl: NachaFileControl | undefined;
  let recordCount = 1;

  // The entry whose addenda are being read: an indicator of 1 demands at least one addenda record.
  const closeEntry = (): void => {
    const last = entries[entries.length - 1];
    if (last !== undefined && last.addendaRecordIndicator === 1 && last.addenda.length === 0) {
      throw nachaLineError(
        'NACHA.MALFORMED',
        last.line,
        'addendaRecordIndicator',
        'the indicator is 1 but no addenda record follows the entry',
      );
    }
  };

  for (const line of lines.slice(1)) {
    const r = new RecordReader(line);
    if (fileControl !== undefined) {
      if (line.text !== FILLER_RECORD) {
        r.fail('recordTypeCode', "only '9' filler records may follow the file control record");
      }
      continue;
    }
    recordCount += 1;
    const type = r.raw(1, 1);
    if (batchHeader === undefined) {
      // Between batches: a batch header, or the file control.
      if (type === '5') {
        batchHeader = parseBatchHeader(r);
        entries = [];
      } else if (type === '9') {
        fileControl = parseFileControl(r, batches, recordCount);
      } else {
        unexpected(r, ['5', '9']);
      }
      continue;
    }
    const last = entries[entries.length - 1];
    if (type === '6') {
      closeEntry();
      entries.push(parseEntry(r, batchHeader));
    } else if (type === '7' && last !== undefined) {
      if (last.addendaRecordIndicator === 0) {
        r.fail(
          'addendaRecordIndicator',
          `an addenda record follows the entry on line ${last.line}, whose indicator is 0`,
        );
      }
      last.addenda.push(parseAddenda(r, options));
    } else if (type === '8' && last !== undefined) {
      closeEntry();
      batches.push({ header: batchHeader, entries, control: parseBatchControl(r, batchHeader, entries) });
      batchHeader = undefined;
    } else {
      unexpected(r, last === undefined ? ['6'] : ['6', '7', '8']);
    }
  }

  if (fileControl === undefined) {
    const lastLine = lines[lines.length - 1];
    throw nachaLineError(
      'NACHA.MALFORMED',
      lastLine.number,
      'recordTypeCode',
      batchHeader === undefined
        ? 'the file ends without a file control record (9)'
        : 'the file ends inside a batch, without its batch control (8) and the file control (9)',
    );
  }
  return { fileHeader, batches, fileControl };
}

/** A returned entry: the entry of a return file with one of its addenda 99 records. */
export interface NachaReturnItem {
  batchNumber: number;
  line: number;
  returnCode: string;
  category: ReturnCodeCategory;
  /** Trace number of the entry that was returned (the one this platform originated). */
  originalTraceNumber: string;
  /** Trace number the returning institution gave the return entry. */
  traceNumber: string;
  transactionCode: number;
  amountCents: number;
  dateOfDeath: string | null;
  addendaInformation: string;
}

/** Every addenda 99 in the file with its entry's amount: what a return-file import acts upon. */
export function extractReturns(file: NachaFile): NachaReturnItem[] {
  return file.batches.flatMap((batch) =>
    batch.entries.flatMap((entry) =>
      entry.addenda
        .filter((addenda): addenda is ReturnAddenda => addenda.typeCode === '99')
        .map((addenda) => ({
          batchNumber: batch.header.batchNumber,
          line: addenda.line,
          returnCode: addenda.returnCode,
          category: addenda.category,
          originalTraceNumber: addenda.originalTraceNumber,
          traceNumber: entry.traceNumber,
          transactionCode: entry.transactionCode,
          amountCents: entry.amountCents,
          dateOfDeath: addenda.dateOfDeath,
          addendaInformation: addenda.addendaInformation,
        })),
    ),
  );
}

/** A notification of change: which entry to correct and the corrected data. */
export interface NachaNotificationOfChange {
  batchNumber: number;
  line: number;
  changeCode: string;
  originalTraceNumber: string;
  correctedData: string;
  traceNumber: string;
}

export function extractNotificationsOfChange(file: NachaFile): NachaNotificationOfChange[] {
  return file.batches.flatMap((batch) =>
    batch.entries.flatMap((entry) =>
      entry.addenda
        .filter((addenda): addenda is NotificationOfChangeAddenda => addenda.typeCode === '98')
        .map((addenda) => ({
          batchNumber: batch.header.batchNumber,
          line: addenda.line,
          changeCode: addenda.changeCode,
          originalTraceNumber: addenda.originalTraceNumber,
          correctedData: addenda.correctedData,
          traceNumber: entry.traceNumber,
        })),
    ),
  );
}
