import { assertNonNegativeCents } from './cents';
import type { InvoiceAmount } from './allocation';

/** A customer's credit from one source (a payment's leftover, a receipt), with what is left of it. */
export interface CreditLot {
  readonly lotId: string;
  readonly remainingCents: number;
}

export interface CreditSpend {
  readonly lotId: string;
  readonly invoiceId: string;
  readonly amountCents: number;
}

/**
 * Which credit pays which invoice: the oldest lot first (lots in the order given), invoices in the
 * order given. Recording the source of each cent lets a returned payment take back exactly the credit
 * it left, spent or not. Refuses to spend more than the lots hold.
 */
export function spendCreditLots(
  lots: readonly CreditLot[],
  applications: readonly InvoiceAmount[],
): CreditSpend[] {
  const remaining = lots.map((lot) => assertNonNegativeCents(lot.remainingCents, 'remainingCents'));
  const spends: CreditSpend[] = [];
  let lotIndex = 0;
  for (const application of applications) {
    let owed = assertNonNegativeCents(application.amountCents, 'amountCents');
    while (owed > 0) {
      while (lotIndex < lots.length && remaining[lotIndex] === 0) lotIndex += 1;
      if (lotIndex === lots.length) throw new RangeError('credit applications exceed the credit lots');
      const cents = Math.min(owed, remaining[lotIndex]);
      spends.push({ lotId: lots[lotIndex].lotId, invoiceId: application.invoiceId, amountCents: cents });
      remaining[lotIndex] -= cents;
      owed -= cents;
    }
  }
  return spends;
}
