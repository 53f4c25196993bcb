import { AchError } from './ach-error';
import {
  BLOCKING_FACTOR,
  FILLER_RECORD,
  RECORD_LENGTH,
  addToEntryHash,
  alpha,
  describeTransactionCode,
  isHhmm,
  isIsoDate,
  isPrintableAscii,
  isoToYymmdd,
  numeric,
} from './nacha-format';
import type {
  NachaBatchInput,
  NachaEntryInput,
  NachaFile,
  NachaFileInput,
  OriginationTransactionCode,
} from './nacha-types';
import { validateRoutingNumber } from './routing-number';

const ORIGINATION_TRANSACTION_CODES: ReadonlySet<number> = new Set<OriginationTransactionCode>([
  22, 23, 27, 28, 32, 33, 37, 38,
]);
const SERVICE_CLASS_CODES: ReadonlySet<number> = new Set([200, 220, 225]);
const MAX_AMOUNT_CENTS = 9_999_999_999; // 10-digit amount field
const MAX_TOTAL_CENTS = 999_999_999_999; // 12-digit control totals

function invalid(field: string, message: string): AchError {
  return new AchError('NACHA.INVALID_INPUT', `${field}: ${message}`, { field });
}

/** A text field: printable ASCII, at most `width` characters; required ones must not be blank. */
function text(value: unknown, width: number, field: string, required: boolean): string {
  if (value === undefined && !required) return '';
  if (typeof value !== 'string') throw invalid(field, 'must be a string');
  if (required && value.trim() === '') throw invalid(field, 'is required');
  if (value.length > width) throw invalid(field, `must be at most ${width} characters, got ${value.length}`);
  if (!isPrintableAscii(value)) throw invalid(field, 'must contain printable ASCII characters only');
  return value;
}

function digits(value: unknown, pattern: RegExp, field: string, expectation: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) throw invalid(field, `must be ${expectation}`);
  return value;
}

function routingNumber(value: unknown, field: string): string {
  const result = validateRoutingNumber(value as string);
  if (!result.valid) {
    throw new AchError('ACH.ROUTING_NUMBER_INVALID', `${field}: ${result.message}`, {
      field,
      rule: result.rule,
    });
  }
  return value as string;
}

function isoDate(value: unknown, field: string): string {
  if (typeof value !== 'string' || !isIsoDate(value)) {
    throw invalid(field, 'must be a date YYYY-MM-DD between 2000 and 2099');
  }
  return value;
}

interface BatchTotals {
  entryAddendaCount: number;
  entryHash: number;
  totalDebitCents: number;
  totalCreditCents: number;
}

function checkTotal(value: number, field: string): void {
  if (value > MAX_TOTAL_CENTS) throw invalid(field, 'total exceeds the 12-digit control total field');
}

function fileHeaderRecord(input: NachaFileInput): string {
  const destination = routingNumber(input.immediateDestination, 'immediateDestination');
  const origin = digits(input.immediateOrigin, /^\d{9,10}$/, 'immediateOrigin', '9 or 10 digits');
  const date = isoDate(input.fileCreationDate, 'fileCreationDate');
  if (typeof input.fileCreationTime !== 'string' || !isHhmm(input.fileCreationTime)) {
    throw invalid('fileCreationTime', 'must be HHMM (00:00 to 23:59)');
  }
  const modifier = digits(input.fileIdModifier, /^[A-Z0-9]$/, 'fileIdModifier', 'one character A-Z or 0-9');
  return (
    '1' +
    '01' + // priority code
    destination.padStart(10, ' ') +
    origin.padStart(10, ' ') +
    isoToYymmdd(date) +
    input.fileCreationTime +
    modifier +
    '094' + // record size
    numeric(BLOCKING_FACTOR, 2) +
    '1' + // format code
    alpha(text(input.destinationName, 23, 'destinationName', true), 23) +
    alpha(text(input.originName, 23, 'originName', true), 23) +
    alpha(text(input.referenceCode, 8, 'referenceCode', false), 8)
  );
}

function entryRecords(
  entry: NachaEntryInput,
  path: string,
  batch: NachaBatchInput,
  traceNumber: string,
): { records: string[]; direction: 'credit' | 'debit' } {
  const code = entry.transactionCode;
  if (!ORIGINATION_TRANSACTION_CODES.has(code)) {
    throw invalid(`${path}.transactionCode`, 'must be one of 22, 23, 27, 28, 32, 33, 37, 38');
  }
  const info = describeTransactionCode(code)!;
  if (batch.serviceClassCode === 225 && info.direction === 'credit') {
    throw invalid(`${path}.transactionCode`, `credit transaction code ${code} in a debits-only batch (225)`);
  }
  if (batch.serviceClassCode === 220 && info.direction === 'debit') {
    throw invalid(`${path}.transactionCode`, `debit transaction code ${code} in a credits-only batch (220)`);
  }
  const routing = routingNumber(entry.routingNumber, `${path}.routingNumber`);
  // The account number goes into the file, never into a message.
  const account = entry.accountNumber;
  if (typeof account !== 'string' || !/^[\x21-\x7E]([\x20-\x7E]{0,15}[\x21-\x7E])?$/.test(account)) {
    throw invalid(
      `${path}.accountNumber`,
      'must be 1 to 17 printable ASCII characters without leading or trailing spaces',
    );
  }
  const amount = entry.amountCents;
  if (!Number.isSafeInteger(amount) || amount < 0 || amount > MAX_AMOUNT_CENTS) {
    throw invalid(`${path}.amountCents`, 'must be an integer number of cents from 0 to 9999999999');
  }
  // Nacha: a prenotification carries a zero amount; a live entry moves money.
  if (info.kind === 'prenote' && amount !== 0) {
    throw invalid(`${path}.amountCents`, `must be 0 for prenote transaction code ${code}`);
  }
  if (info.kind === 'live' && amount === 0) {
    throw invalid(`${path}.amountCents`, `must be positive for transaction code ${code}`);
  }
  const addendaText =
    entry.paymentRelatedInformation === undefined
      ? undefined
      : text(entry.paymentRelatedInformation, 80, `${path}.paymentRelatedInformation`, true);
  const records = [
    '6' +
      numeric(code, 2) +
      routing +
      alpha(account, 17) +
      numeric(amount, 10) +
      alpha(text(entry.identificationNumber, 15, `${path}.identificationNumber`, false), 15) +
      alpha(text(entry.receivingCompanyName, 22, `${path}.receivingCompanyName`, true), 22) +
      alpha(text(entry.discretionaryData, 2, `${path}.discretionaryData`, false), 2) +
      (addendaText === undefined ? '0' : '1') +
      traceNumber,
  ];
  if (addendaText !== undefined) {
    records.push('7' + '05' + alpha(addendaText, 80) + numeric(1, 4) + traceNumber.slice(8));
  }
  return { records, direction: info.direction };
}

function batchRecords(
  batch: NachaBatchInput,
  path: string,
  defaultBatchNumber: number,
  nextTraceNumber: (odfi: string, entryPath: string, given: unknown) => string,
): { records: string[]; totals: BatchTotals } {
  if (batch.standardEntryClass !== 'CCD') throw invalid(`${path}.standardEntryClass`, "must be 'CCD'");
  if (!SERVICE_CLASS_CODES.has(batch.serviceClassCode)) {
    throw invalid(`${path}.serviceClassCode`, 'must be 200, 220 or 225');
  }
  const odfi = digits(batch.originatingDfi, /^\d{8}$/, `${path}.originatingDfi`, '8 digits');
  const batchNumber = batch.batchNumber ?? defaultBatchNumber;
  if (!Number.isSafeInteger(batchNumber) || batchNumber < 1 || batchNumber > 9_999_999) {
    throw invalid(`${path}.batchNumber`, 'must be an integer from 1 to 9999999');
  }
  const companyIdentification = text(batch.companyIdentification, 10, `${path}.companyIdentification`, true);
  const effectiveEntryDate = isoDate(batch.effectiveEntryDate, `${path}.effectiveEntryDate`);
  const header =
    '5' +
    numeric(batch.serviceClassCode, 3) +
    alpha(text(batch.companyName, 16, `${path}.companyName`, true), 16) +
    alpha(text(batch.companyDiscretionaryData, 20, `${path}.companyDiscretionaryData`, false), 20) +
    alpha(companyIdentification, 10) +
    batch.standardEntryClass +
    alpha(text(batch.companyEntryDescription, 10, `${path}.companyEntryDescription`, true), 10) +
    alpha(text(batch.companyDescriptiveDate, 6, `${path}.companyDescriptiveDate`, false), 6) +
    isoToYymmdd(effectiveEntryDate) +
    '   ' + // settlement date: inserted by the ACH Operator
    '1' + // originator status code: the ODFI is a depository financial institution
    odfi +
    numeric(batchNumber, 7);

  if (!Array.isArray(batch.entries) || batch.entries.length === 0) {
    throw invalid(`${path}.entries`, 'a batch needs at least one entry');
  }
  const records = [header];
  const totals: BatchTotals = { entryAddendaCount: 0, entryHash: 0, totalDebitCents: 0, totalCreditCents: 0 };
  batch.entries.forEach((entry, index) => {
    const entryPath = `${path}.entries[${index}]`;
    const trace = nextTraceNumber(odfi, entryPath, entry.traceNumber);
    const written = entryRecords(entry, entryPath, batch, trace);
    records.push(...written.records);
    totals.entryAddendaCount += written.records.length;
    totals.entryHash = addToEntryHash(totals.entryHash, entry.routingNumber.slice(0, 8));
    if (written.direction === 'debit') totals.totalDebitCents += entry.amountCents;
    else totals.totalCreditCents += entry.amountCents;
  });
  if (totals.entryAddendaCount > 999_999)
    throw invalid(`${path}.entries`, 'more than 999999 records in a batch');
  checkTotal(totals.totalDebitCents, `${path}.entries`);
  checkTotal(totals.totalCreditCents, `${path}.entries`);

  records.push(
    '8' +
      numeric(batch.serviceClassCode, 3) +
      numeric(totals.entryAddendaCount, 6) +
      numeric(totals.entryHash, 10) +
      numeric(totals.totalDebitCents, 12) +
      numeric(totals.totalCreditCents, 12) +
      alpha(companyIdentification, 10) +
      alpha('', 19) + // message authentication code
      alpha('', 6) + // reserved
      odfi +
      numeric(batchNumber, 7),
  );
  return { records, totals };
}

/**
 * Builds a NACHA origination file of CCD entries: file header, batches (header, entries with optional
 * addenda 05, control), file control, then '9' filler records up to a multiple of the blocking factor.
 * Records are joined with '\n' (no trailing newline). Invalid input throws AchError
 * NACHA.INVALID_INPUT (or ACH.ROUTING_NUMBER_INVALID) whose `field` is the input path.
 */
export function writeNachaFile(input: NachaFileInput): string {
  const records = [fileHeaderRecord(input)];
  if (!Array.isArray(input.batches) || input.batches.length === 0) {
    throw invalid('batches', 'a file needs at least one batch');
  }

  const usedTraceNumbers = new Set<string>();
  let sequence = 0;
  const nextTraceNumber = (odfi: string, entryPath: string, given: unknown): string => {
    let trace: string;
    if (given === undefined) {
      do {
        sequence += 1;
        if (sequence > 9_999_999) throw invalid(`${entryPath}.traceNumber`, 'trace sequence exhausted');
        trace = odfi + numeric(sequence, 7);
      } while (usedTraceNumbers.has(trace));
    } else {
      trace = digits(given, /^\d{15}$/, `${entryPath}.traceNumber`, '15 digits');
      // Nacha: positions 1-8 of the trace number are the ODFI's routing number.
      if (!trace.startsWith(odfi)) {
        throw invalid(`${entryPath}.traceNumber`, `must start with the originating DFI ${odfi}`);
      }
      if (usedTraceNumbers.has(trace)) throw invalid(`${entryPath}.traceNumber`, 'is used twice in the file');
    }
    usedTraceNumbers.add(trace);
    return trace;
  };

  const file: BatchTotals = { entryAddendaCount: 0, entryHash: 0, totalDebitCents: 0, totalCreditCents: 0 };
  const batchNumbers = new Set<number>();
  input.batches.forEach((batch, index) => {
    const path = `batches[${index}]`;
    const written = batchRecords(batch, path, index + 1, nextTraceNumber);
    const batchNumber = batch.batchNumber ?? index + 1;
    if (batchNumbers.has(batchNumber)) throw invalid(`${path}.batchNumber`, 'is used twice in the file');
    batchNumbers.add(batchNumber);
    records.push(...written.records);
    file.entryAddendaCount += written.totals.entryAddendaCount;
    file.entryHash = addToEntryHash(file.entryHash, written.totals.entryHash);
    file.totalDebitCents += written.totals.totalDebitCents;
    file.totalCreditCents += written.totals.totalCreditCents;
  });
  checkTotal(file.totalDebitCents, 'batches');
  checkTotal(file.totalCreditCents, 'batches');

  const recordCount = records.length + 1; // with the file control record
  const blockCount = Math.ceil(recordCount / BLOCKING_FACTOR);
  records.push(
    '9' +
      numeric(input.batches.length, 6) +
      numeric(blockCount, 6) +
      numeric(file.entryAddendaCount, 8) +
      numeric(file.entryHash, 10) +
      numeric(file.totalDebitCents, 12) +
      numeric(file.totalCreditCents, 12) +
      alpha('', 39),
  );
  while (records.length % BLOCKING_FACTOR !== 0) records.push(FILLER_RECORD);

  for (const record of records) {
    // A wrong width here is a bug in this module, not bad input.
    if (record.length !== RECORD_LENGTH)
      throw new Error(`NACHA writer produced a ${record.length}-character record`);
  }
  return records.join('\n');
}

/**
 * The writer input that reproduces a file read by readNachaFile: writeNachaFile(toNachaFileInput(f))
 * gives back the same text for files this writer made. Files outside what the writer produces (other
 * SEC codes, returns, NOCs, several addenda) are refused with NACHA.INVALID_INPUT.
 */
export function toNachaFileInput(file: NachaFile): NachaFileInput {
  const h = file.fileHeader;
  return {
    immediateDestination: h.immediateDestination,
    immediateOrigin: h.immediateOrigin,
    destinationName: h.destinationName,
    originName: h.originName,
    fileCreationDate: h.fileCreationDate,
    fileCreationTime: h.fileCreationTime,
    fileIdModifier: h.fileIdModifier,
    ...(h.referenceCode === '' ? {} : { referenceCode: h.referenceCode }),
    batches: file.batches.map((batch, index): NachaBatchInput => {
      const b = batch.header;
      const path = `batches[${index}]`;
      if (b.standardEntryClass !== 'CCD') throw invalid(`${path}.standardEntryClass`, "must be 'CCD'");
      if (b.serviceClassCode !== 200 && b.serviceClassCode !== 220 && b.serviceClassCode !== 225) {
        throw invalid(`${path}.serviceClassCode`, 'must be 200, 220 or 225');
      }
      if (b.effectiveEntryDate === null) throw invalid(`${path}.effectiveEntryDate`, 'is blank');
      return {
        companyName: b.companyName,
        ...(b.companyDiscretionaryData === ''
          ? {}
          : { companyDiscretionaryData: b.companyDiscretionaryData }),
        companyIdentification: b.companyIdentification,
        companyEntryDescription: b.companyEntryDescription,
        ...(b.companyDescriptiveDate === '' ? {} : { companyDescriptiveDate: b.companyDescriptiveDate }),
        effectiveEntryDate: b.effectiveEntryDate,
        originatingDfi: b.originatingDfi,
        standardEntryClass: 'CCD',
        serviceClassCode: b.serviceClassCode,
        batchNumber: b.batchNumber,
        entries: batch.entries.map((entry, entryIndex): NachaEntryInput => {
          const entryPath = `${path}.entries[${entryIndex}]`;
          if (!ORIGINATION_TRANSACTION_CODES.has(entry.transactionCode)) {
            throw invalid(`${entryPath}.transactionCode`, 'is not an origination transaction code');
          }
          const [addenda, ...more] = entry.addenda;
          if (more.length > 0 || (addenda !== undefined && addenda.typeCode !== '05')) {
            throw invalid(`${entryPath}.addenda`, 'only one addenda 05 record can be written');
          }
          return {
            transactionCode: entry.transactionCode as OriginationTransactionCode,
            routingNumber: entry.routingNumber,
            accountNumber: entry.accountNumber,
            amountCents: entry.amountCents,
            ...(entry.identificationNumber === ''
              ? {}
              : { identificationNumber: entry.identificationNumber }),
            receivingCompanyName: entry.receivingName,
            ...(entry.discretionaryData === '' ? {} : { discretionaryData: entry.discretionaryData }),
            traceNumber: entry.traceNumber,
            ...(addenda === undefined
              ? {}
              : { paymentRelatedInformation: addenda.paymentRelatedInformation }),
          };
        }),
      };
    }),
  };
}
