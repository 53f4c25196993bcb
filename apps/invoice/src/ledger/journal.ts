import type { LedgerAccount } from './ledger-entry.entity';

export interface JournalLine {
  account: LedgerAccount;
  debitCents?: number;
  creditCents?: number;
}

export interface Journal {
  journalId: string;
  customerId: string;
  memo: string;
  lines: JournalLine[];
}

/** Double entry: a journal is refused unless its debits equal its credits, in integer cents. */
export function assertBalanced(journal: Journal): { debitCents: number; creditCents: number } {
  let debitCents = 0;
  let creditCents = 0;
  for (const line of journal.lines) {
    const debit = line.debitCents ?? 0;
    const credit = line.creditCents ?? 0;
    if (!Number.isSafeInteger(debit) || !Number.isSafeInteger(credit) || debit < 0 || credit < 0) {
      throw new Error(`journal ${journal.journalId}: amounts must be non-negative integer cents`);
    }
    if ((debit === 0) === (credit === 0)) {
      throw new Error(`journal ${journal.journalId}: each line is either a debit or a credit`);
    }
    debitCents += debit;
    creditCents += credit;
  }
  if (debitCents !== creditCents) {
    throw new Error(
      `journal ${journal.journalId} is unbalanced: debits ${debitCents} ≠ credits ${creditCents}`,
    );
  }
  return { debitCents, creditCents };
}

/**
 * What a line of a customer-facing account (receivable or customer credit) adds to what the customer
 * owes: a receivable debit raises it, a credit to customer credit lowers it; both are debit − credit.
 */
export function customerBalanceDelta(line: { debitCents: number; creditCents: number }): number {
  return line.debitCents - line.creditCents;
}
