import { assertNonNegativeCents } from './cents';
import { DomainError } from './domain-error';

/**
 * Allocation of posted money to open invoices (docs/architecture.md, "invoice — payment applications (allocation of
 * posted money to invoices; leftover becomes customer credit)").
 */
export type AllocationErrorCode =
  /** An explicit amount is above what the invoice still owes. */
  | 'ALLOCATION.EXCEEDS_AMOUNT_DUE'
  /** The explicit amounts add up to more than the payment. */
  | 'ALLOCATION.EXCEEDS_PAYMENT'
  /** An explicit amount names an invoice that is not among `invoices`. */
  | 'ALLOCATION.UNKNOWN_INVOICE'
  /** The same invoice twice in `invoices` or twice in `explicit`. */
  | 'ALLOCATION.DUPLICATE_INVOICE'
  /** An empty or non-string invoice id. */
  | 'ALLOCATION.INVALID_INVOICE_ID'
  /** A due date or invoice date that is not `YYYY-MM-DD`. */
  | 'ALLOCATION.INVALID_DATE';

export interface AllocationInvoice {
  readonly invoiceId: string;
  /** Business date `YYYY-MM-DD` (CONTRIBUTING.md, "Dates"). */
  readonly dueDate: string;
  /** Business date `YYYY-MM-DD`. */
  readonly invoiceDate: string;
  /** What the invoice still owes now, in integer cents (>= 0). */
  readonly amountDueCents: number;
}

/** An amount for one invoice: an explicit request in, an application out. */
export interface InvoiceAmount {
  readonly invoiceId: string;
  readonly amountCents: number;
}

export interface AllocationRequest {
  /** The payment, integer cents (>= 0). */
  readonly amountCents: number;
  /** The invoices the money may go to; with `explicit`, every explicit invoice must be among them. */
  readonly invoices: readonly AllocationInvoice[];
  /** Amounts the customer chose per invoice in the portal ("full or partial amounts", docs/architecture.md). */
  readonly explicit?: readonly InvoiceAmount[];
}

export interface Allocation {
  /** Only positive amounts, in the invoices' oldest-first order (see `compareInvoicesOldestFirst`). */
  readonly applications: InvoiceAmount[];
  /** What was not applied; it becomes customer credit. Always `amountCents - sum(applications)`. */
  readonly creditCents: number;
}

function allocationError(code: AllocationErrorCode, message: string, field: string): DomainError {
  return new DomainError(code, message, field);
}

// Fixed-width ISO dates sort as text in calendar order; that is all the ordering below relies on, so the
// shape is checked here (full calendar validation belongs to @remit/calendar, which depends on this lib).
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

function compareText(left: string, right: string): number {
  // Code-unit order, not localeCompare: the result must not depend on the machine's locale.
  return left < right ? -1 : left > right ? 1 : 0;
}

/**
 * Oldest due date first; ties by invoice date, then by invoice id, so that the order — and therefore the
 * allocation — is the same whatever order the invoices were loaded in.
 */
export function compareInvoicesOldestFirst(left: AllocationInvoice, right: AllocationInvoice): number {
  return (
    compareText(left.dueDate, right.dueDate) ||
    compareText(left.invoiceDate, right.invoiceDate) ||
    compareText(left.invoiceId, right.invoiceId)
  );
}

function validateInvoices(invoices: readonly AllocationInvoice[]): Map<string, AllocationInvoice> {
  const byId = new Map<string, AllocationInvoice>();
  invoices.forEach((invoice, index) => {
    const at = `invoices[${index}]`;
    if (typeof invoice.invoiceId !== 'string' || invoice.invoiceId.length === 0) {
      throw allocationError(
        'ALLOCATION.INVALID_INVOICE_ID',
        `${at}.invoiceId must be a non-empty string`,
        `${at}.invoiceId`,
      );
    }
    for (const key of ['dueDate', 'invoiceDate'] as const) {
      if (typeof invoice[key] !== 'string' || !ISO_DATE.test(invoice[key])) {
        throw allocationError('ALLOCATION.INVALID_DATE', `${at}.${key} must be YYYY-MM-DD`, `${at}.${key}`);
      }
    }
    assertNonNegativeCents(invoice.amountDueCents, `${at}.amountDueCents`);
    if (byId.has(invoice.invoiceId)) {
      throw allocationError(
        'ALLOCATION.DUPLICATE_INVOICE',
        `invoice ${invoice.invoiceId} is listed twice`,
        `${at}.invoiceId`,
      );
    }
    byId.set(invoice.invoiceId, invoice);
  });
  return byId;
}

/**
 * Explicit amounts are applied as given, never above an invoice's amount due and never above the payment
 * (both are errors, not silent caps: the caller decides what a stale request means). What the explicit
 * amounts leave over goes to credit; it does NOT silently pay other invoices the customer did not choose.
 */
function allocateExplicit(
  amountCents: number,
  byId: Map<string, AllocationInvoice>,
  explicit: readonly InvoiceAmount[],
): Allocation {
  const requested = new Map<string, number>();
  let requestedTotal = 0;
  explicit.forEach((entry, index) => {
    const at = `explicit[${index}]`;
    const invoice = byId.get(entry.invoiceId);
    if (invoice === undefined) {
      throw allocationError(
        'ALLOCATION.UNKNOWN_INVOICE',
        `${at} names an invoice that is not open for this payment`,
        `${at}.invoiceId`,
      );
    }
    if (requested.has(entry.invoiceId)) {
      throw allocationError(
        'ALLOCATION.DUPLICATE_INVOICE',
        `invoice ${entry.invoiceId} has two explicit amounts`,
        `${at}.invoiceId`,
      );
    }
    const cents = assertNonNegativeCents(entry.amountCents, `${at}.amountCents`);
    if (cents > invoice.amountDueCents) {
      throw allocationError(
        'ALLOCATION.EXCEEDS_AMOUNT_DUE',
        `${at}.amountCents ${cents} is above invoice ${invoice.invoiceId}'s amount due ${invoice.amountDueCents}`,
        `${at}.amountCents`,
      );
    }
    requested.set(entry.invoiceId, cents);
    // Each term is at most an amount due (a safe integer), and the total is compared with the payment
    // as soon as it grows, so it stays far below 2^53.
    requestedTotal += cents;
    if (requestedTotal > amountCents) {
      throw allocationError(
        'ALLOCATION.EXCEEDS_PAYMENT',
        `explicit amounts exceed the payment of ${amountCents} cents`,
        'explicit',
      );
    }
  });
  const applications: InvoiceAmount[] = [];
  for (const invoice of [...byId.values()].sort(compareInvoicesOldestFirst)) {
    const cents = requested.get(invoice.invoiceId);
    if (cents !== undefined && cents > 0)
      applications.push({ invoiceId: invoice.invoiceId, amountCents: cents });
  }
  return { applications, creditCents: amountCents - requestedTotal };
}

/** Oldest due date first, each invoice up to its amount due; the rest is credit. */
function allocateOldestFirst(amountCents: number, invoices: Iterable<AllocationInvoice>): Allocation {
  let remaining = amountCents;
  const applications: InvoiceAmount[] = [];
  for (const invoice of [...invoices].sort(compareInvoicesOldestFirst)) {
    if (remaining === 0) break;
    const cents = Math.min(remaining, invoice.amountDueCents);
    if (cents > 0) {
      applications.push({ invoiceId: invoice.invoiceId, amountCents: cents });
      remaining -= cents;
    }
  }
  return { applications, creditCents: remaining };
}

/**
 * Splits a posted payment between invoices.
 *
 * - `explicit` given (even `[]`): exactly those amounts, leftover to credit (see `allocateExplicit`).
 *   An empty list therefore means "the customer chose nothing that is still open": all credit.
 * - `explicit` absent: oldest due date first (ties: invoice date, then invoice id), leftover to credit.
 *
 * Guarantees (property-tested in allocation.spec.ts): no invoice receives more than its amount due;
 * `sum(applications) + creditCents === amountCents` (no cent lost or created); the result does not depend
 * on the order of `invoices` or `explicit`. Integer cents only; invalid input is a DomainError with `field`.
 */
export function allocatePayment(request: AllocationRequest): Allocation {
  const amountCents = assertNonNegativeCents(request.amountCents, 'amountCents');
  const byId = validateInvoices(request.invoices);
  return request.explicit === undefined
    ? allocateOldestFirst(amountCents, byId.values())
    : allocateExplicit(amountCents, byId, request.explicit);
}
