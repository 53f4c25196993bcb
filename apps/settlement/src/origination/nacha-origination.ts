import type { NachaEntryInput, NachaFileInput } from '@remit/ach';
import { nextBusinessDay } from '@remit/calendar';

/** Who the files come from and go to (ACH_* configuration). */
export interface OriginationSettings {
  immediateDestination: string;
  immediateDestinationName: string;
  immediateOrigin: string;
  immediateOriginName: string;
  odfiRoutingNumber: string;
  companyName: string;
  companyId: string;
}

/** One debit as it goes into the file: the account number in clear only here, in memory. */
export interface OriginationEntry {
  paymentId: string;
  customerId: string;
  routingNumber: string;
  accountNumber: string;
  amountCents: number;
  accountHolderName: string | null;
  traceNumber: string;
}

/** The description the customer's bank statement shows next to the company name. */
export const COMPANY_ENTRY_DESCRIPTION = 'PAYMENT';

/** CCD debit to a checking account: the portal takes checking accounts only. */
const CHECKING_DEBIT = 27;

const MODIFIERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Nacha file header: the file id modifier tells apart files of one day, A-Z then 0-9. */
export function fileIdModifierFor(filesAlreadyWritten: number): string {
  const modifier = MODIFIERS[filesAlreadyWritten];
  if (!Number.isSafeInteger(filesAlreadyWritten) || modifier === undefined) {
    throw new Error(`no file id modifier left after ${filesAlreadyWritten} files in one day`);
  }
  return modifier;
}

/** Nacha: a trace number is the ODFI's 8-digit routing prefix and a 7-digit sequence. */
export function traceNumberOf(odfiRoutingNumber: string, sequence: number): string {
  return odfiRoutingNumber.slice(0, 8) + String(sequence % 10_000_000).padStart(7, '0');
}

/** Printable ASCII, at most `width` characters (the NACHA alphanumeric fields). */
function field(value: string, width: number): string {
  const ascii = value.replace(/[^\x20-\x7E]/g, ' ').trim();
  return ascii.slice(0, width).trim() || 'CUSTOMER';
}

/**
 * The writer input of one business day's file: one CCD batch of debits (service class 225), effective
 * the next business day (docs/architecture.md, "ACH origination"). The individual identification
 * number carries the payment id (first 15 hex digits), so a bank statement leads back to the payment.
 */
export function originationFileInput(
  settings: OriginationSettings,
  file: {
    businessDate: string;
    fileIdModifier: string;
    creationDate: string;
    creationTime: string;
    entries: readonly OriginationEntry[];
  },
): NachaFileInput {
  return {
    immediateDestination: settings.immediateDestination,
    immediateOrigin: settings.immediateOrigin,
    destinationName: settings.immediateDestinationName,
    originName: settings.immediateOriginName,
    fileCreationDate: file.creationDate,
    fileCreationTime: file.creationTime,
    fileIdModifier: file.fileIdModifier,
    batches: [
      {
        companyName: settings.companyName,
        companyIdentification: settings.companyId,
        companyEntryDescription: COMPANY_ENTRY_DESCRIPTION,
        effectiveEntryDate: nextBusinessDay(file.businessDate),
        originatingDfi: settings.odfiRoutingNumber.slice(0, 8),
        standardEntryClass: 'CCD',
        serviceClassCode: 225,
        entries: file.entries.map((entry): NachaEntryInput => ({
          transactionCode: CHECKING_DEBIT,
          routingNumber: entry.routingNumber,
          accountNumber: entry.accountNumber,
          amountCents: entry.amountCents,
          identificationNumber: entry.paymentId.replace(/-/g, '').slice(0, 15).toUpperCase(),
          receivingCompanyName: field(entry.accountHolderName ?? entry.customerId, 22),
          traceNumber: entry.traceNumber,
        })),
      },
    ],
  };
}

/** The name of a file in the outbound folder: sorts by day, then modifier. */
export function outboundFileName(businessDate: string, fileIdModifier: string, fileId: string): string {
  return `${businessDate}-${fileIdModifier}-${fileId}.ach`;
}
