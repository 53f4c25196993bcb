import type { ReturnCodeInfo } from '@remit/ach';
import type { ReturnClass } from '@remit/contracts';

/**
 * How `payment.returned` classifies a return (libs/ach flags): re-presentable (R01, R09), the account
 * is unusable (disable the saved method), the authorisation is gone (stop autopay), or other.
 */
export function returnClassOf(
  info: Pick<ReturnCodeInfo, 'mayRepresent' | 'disablesAccount' | 'revokesAuthorization'>,
): ReturnClass {
  if (info.mayRepresent) return 're-presentable';
  if (info.disablesAccount) return 'account-level';
  if (info.revokesAuthorization) return 'authorization-revoked';
  return 'other';
}

/** What a notification of change corrects (Nacha Appendix Four, Part 4.3, "Corrected Data" layouts). */
export interface CorrectedData {
  routingNumber?: string;
  accountNumber?: string;
}

export const CHANGE_CODE_DESCRIPTIONS: Readonly<Record<string, string>> = {
  C01: 'Incorrect bank account number',
  C02: 'Incorrect transit/routing number',
  C03: 'Incorrect transit/routing number and bank account number',
  C04: 'Incorrect individual name/receiving company name',
  C05: 'Incorrect transaction code',
  C06: 'Incorrect bank account number and transaction code',
  C07: 'Incorrect transit/routing number, bank account number and transaction code',
  C08: 'Incorrect receiving DFI identification (IAT only)',
  C09: 'Incorrect individual identification number',
  C10: 'Incorrect company name',
  C11: 'Incorrect company identification',
  C12: 'Incorrect company name and company identification',
  C13: 'Addenda format error',
  C14: 'Incorrect SEC code for outbound international payment',
};

export function changeCodeDescription(changeCode: string): string {
  return CHANGE_CODE_DESCRIPTIONS[changeCode] ?? 'Refused notification of change';
}

const ROUTING = /^\d{9}$/;

function account(text: string): string | undefined {
  const value = text.trim();
  return value === '' ? undefined : value;
}

function routing(text: string): string | undefined {
  const value = text.trim();
  return ROUTING.test(value) ? value : undefined;
}

/**
 * The corrected routing and/or account number of a COR entry. Layouts: C01 account (1-17); C02
 * routing (1-9); C03 routing (1-9), 3 spaces, account (13-29); C06 account (1-17), transaction code
 * (21-22); C07 routing (1-9), account (10-26), transaction code (27-28). Other codes correct neither.
 */
export function correctedDataOf(changeCode: string, correctedData: string): CorrectedData {
  const data = correctedData.padEnd(29, ' ');
  const result: CorrectedData = {};
  let routingNumber: string | undefined;
  let accountNumber: string | undefined;
  switch (changeCode) {
    case 'C01':
    case 'C06':
      accountNumber = account(data.slice(0, 17));
      break;
    case 'C02':
      routingNumber = routing(data.slice(0, 9));
      break;
    case 'C03':
      routingNumber = routing(data.slice(0, 9));
      accountNumber = account(data.slice(12, 29));
      break;
    case 'C07':
      routingNumber = routing(data.slice(0, 9));
      accountNumber = account(data.slice(9, 26));
      break;
    default:
      break;
  }
  if (routingNumber !== undefined) result.routingNumber = routingNumber;
  if (accountNumber !== undefined) result.accountNumber = accountNumber;
  return result;
}

/** The last four digits of an account number, as the contract shows it (`^\d{4}$`). */
export function last4Of(accountNumber: string): string {
  return accountNumber.replace(/\D/g, '').slice(-4).padStart(4, '0');
}
