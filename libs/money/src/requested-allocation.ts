import {
  allocatePayment,
  compareInvoicesOldestFirst,
  type Allocation,
  type AllocationInvoice,
} from './allocation';
import { assertNonNegativeCents } from './cents';

/** What the customer asked for one invoice in the portal; no amount means "what it owes". */
export interface RequestedAmount {
  readonly invoiceId: string;
  readonly amountCents?: number;
}

/**
 * Allocation of a posted payment to the invoices the customer chose, as the invoices stand when it
 * posts (docs/architecture.md, flow 1). What the customer chose may have gone stale since: another payment
 * paid the balance first, or the invoice is not the customer's. So each request is capped at what the
 * invoice still owes, the requests together at the payment (oldest due first), unknown invoices get
 * nothing, and whatever is left becomes customer credit — never paid to invoices the customer did not
 * choose. Invariant (as `allocatePayment`): sum(applications) + creditCents === amountCents.
 */
export function allocateRequested(
  amountCents: number,
  invoices: readonly AllocationInvoice[],
  requested: readonly RequestedAmount[],
): Allocation {
  assertNonNegativeCents(amountCents, 'amountCents');
  const wanted = new Map<string, number>();
  for (const request of requested) {
    if (request.amountCents !== undefined) assertNonNegativeCents(request.amountCents, 'amountCents');
    wanted.set(request.invoiceId, (wanted.get(request.invoiceId) ?? 0) + (request.amountCents ?? Infinity));
  }
  let left = amountCents;
  const explicit: { invoiceId: string; amountCents: number }[] = [];
  for (const invoice of [...invoices].sort(compareInvoicesOldestFirst)) {
    const asked = wanted.get(invoice.invoiceId);
    if (asked === undefined) continue;
    const cents = Math.min(asked, invoice.amountDueCents, left);
    if (cents > 0) {
      explicit.push({ invoiceId: invoice.invoiceId, amountCents: cents });
      left -= cents;
    }
  }
  return allocatePayment({ amountCents, invoices, explicit });
}
