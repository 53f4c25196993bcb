import type { EntryDirection } from './nacha-format';
import type { ReturnCodeCategory } from './return-codes';

/*
 * A NACHA file as read by readNachaFile. Text fields are trimmed of their space filler; dates are
 * 'YYYY-MM-DD'; amounts are integer cents. `line` is the record's 1-based line number in the file.
 */

export interface NachaFileHeader {
  line: number;
  priorityCode: string;
  /** Routing number of the receiving point (usually 9 digits, written with a leading space). */
  immediateDestination: string;
  immediateOrigin: string;
  fileCreationDate: string;
  /** 'HHMM', or '' when the sender left the optional field blank. */
  fileCreationTime: string;
  fileIdModifier: string;
  destinationName: string;
  originName: string;
  referenceCode: string;
}

export interface NachaBatchHeader {
  line: number;
  /** 200 mixed, 220 credits only, 225 debits only, 280 automated accounting advices. */
  serviceClassCode: number;
  companyName: string;
  companyDiscretionaryData: string;
  companyIdentification: string;
  standardEntryClass: string;
  companyEntryDescription: string;
  companyDescriptiveDate: string;
  /** null when blank or zero-filled, as return and NOC batches often have it. */
  effectiveEntryDate: string | null;
  /** Julian day inserted by the ACH Operator; null when blank. */
  settlementDate: string | null;
  originatorStatusCode: string;
  originatingDfi: string;
  batchNumber: number;
}

/** Addenda type 05: payment related information (free form). */
export interface PaymentAddenda {
  line: number;
  typeCode: '05';
  paymentRelatedInformation: string;
  addendaSequenceNumber: number;
  /** The last seven digits of the entry's trace number. */
  entryDetailSequenceNumber: string;
}

/** Fields only a dishonored return (R61-R70) carries. */
export interface DishonoredReturnDetails {
  returnTraceNumber: string;
  returnSettlementDate: string;
  /** The code of the return being dishonored, e.g. 'R01'. */
  originalReturnCode: string;
}

/** Fields only a contested dishonored return (R71-R77) carries. */
export interface ContestedDishonoredReturnDetails {
  dateOriginalEntryReturned: string;
  originalSettlementDate: string;
  returnTraceNumber: string;
  returnSettlementDate: string;
  originalReturnCode: string;
  dishonoredReturnTraceNumber: string;
  dishonoredReturnSettlementDate: string;
  dishonoredReturnCode: string;
}

/** Addenda type 99: return, dishonored return or contested dishonored return. */
export interface ReturnAddenda {
  line: number;
  typeCode: '99';
  /** 'return' for codes outside the NACHA table accepted through `customReturnCodes`. */
  category: ReturnCodeCategory;
  returnCode: string;
  originalTraceNumber: string;
  /** R14 / R15 only; null when blank (and always for dishonored / contested returns). */
  dateOfDeath: string | null;
  originalReceivingDfi: string;
  addendaInformation: string;
  traceNumber: string;
  dishonored?: DishonoredReturnDetails;
  contested?: ContestedDishonoredReturnDetails;
}

/** Addenda type 98: notification of change (or refused notification of change, C61-C69). */
export interface NotificationOfChangeAddenda {
  line: number;
  typeCode: '98';
  changeCode: string;
  originalTraceNumber: string;
  originalReceivingDfi: string;
  correctedData: string;
  traceNumber: string;
}

export type NachaAddenda = PaymentAddenda | ReturnAddenda | NotificationOfChangeAddenda;

export interface NachaEntry {
  line: number;
  transactionCode: number;
  direction: EntryDirection;
  /** The 9-digit routing number: receiving DFI identification (8) + check digit. */
  routingNumber: string;
  receivingDfi: string;
  checkDigit: number;
  accountNumber: string;
  amountCents: number;
  identificationNumber: string;
  /** Individual name (PPD, WEB, ...) or receiving company name (CCD, CTX). */
  receivingName: string;
  discretionaryData: string;
  addendaRecordIndicator: 0 | 1;
  traceNumber: string;
  addenda: NachaAddenda[];
}

export interface NachaBatchControl {
  line: number;
  serviceClassCode: number;
  entryAddendaCount: number;
  entryHash: number;
  totalDebitCents: number;
  totalCreditCents: number;
  companyIdentification: string;
  messageAuthenticationCode: string;
  originatingDfi: string;
  batchNumber: number;
}

export interface NachaBatch {
  header: NachaBatchHeader;
  entries: NachaEntry[];
  control: NachaBatchControl;
}

export interface NachaFileControl {
  line: number;
  batchCount: number;
  blockCount: number;
  entryAddendaCount: number;
  entryHash: number;
  totalDebitCents: number;
  totalCreditCents: number;
}

export interface NachaFile {
  fileHeader: NachaFileHeader;
  batches: NachaBatch[];
  fileControl: NachaFileControl;
}

/*
 * Input of writeNachaFile: an origination file of CCD entries. Dates are 'YYYY-MM-DD'.
 */

/** Live and prenote entries to checking (2x) and savings (3x) accounts. */
export type OriginationTransactionCode = 22 | 23 | 27 | 28 | 32 | 33 | 37 | 38;

export interface NachaEntryInput {
  transactionCode: OriginationTransactionCode;
  routingNumber: string;
  accountNumber: string;
  amountCents: number;
  identificationNumber?: string;
  receivingCompanyName: string;
  discretionaryData?: string;
  /** 15 digits starting with the batch's originating DFI; by default ODFI + a 7-digit sequence in the file. */
  traceNumber?: string;
  /** When given, one addenda 05 record carries it (CCD allows one). */
  paymentRelatedInformation?: string;
}

export interface NachaBatchInput {
  companyName: string;
  companyDiscretionaryData?: string;
  companyIdentification: string;
  companyEntryDescription: string;
  companyDescriptiveDate?: string;
  effectiveEntryDate: string;
  /** First 8 digits of the ODFI's routing number. */
  originatingDfi: string;
  standardEntryClass: 'CCD';
  /** 200 mixed, 220 credits only, 225 debits only. */
  serviceClassCode: 200 | 220 | 225;
  /** Defaults to the batch's 1-based position in the file. */
  batchNumber?: number;
  entries: NachaEntryInput[];
}

export interface NachaFileInput {
  /** 9-digit routing number of the bank or operator receiving the file. */
  immediateDestination: string;
  /** 9-digit routing number or 10-digit identifier of the sender. */
  immediateOrigin: string;
  destinationName: string;
  originName: string;
  fileCreationDate: string;
  fileCreationTime: string;
  /** 'A'-'Z' or '0'-'9': tells apart files created the same day. */
  fileIdModifier: string;
  referenceCode?: string;
  batches: NachaBatchInput[];
}
