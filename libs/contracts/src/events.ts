import { z } from 'zod';
import { isValidBusinessDateString } from '@remit/calendar';
import { Topics, type TopicName } from './topics';

const cents = z.number().int().safe();
const positiveCents = cents.positive();
/** A business date: 'YYYY-MM-DD' that names a real calendar day (2026-02-30 is refused). */
export const businessDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date as YYYY-MM-DD')
  .refine((value) => isValidBusinessDateString(value), 'not a calendar date');
const businessDate = businessDateSchema;
const isoInstant = z.string().datetime({ offset: true });

export const paymentMethodTypes = ['ach', 'saved', 'card', 'check', 'wire'] as const;
export type PaymentMethodType = (typeof paymentMethodTypes)[number];

/** A payment method as it may appear outside intake: never an account number, at most its last 4. */
export const publicMethodSchema = z.object({
  type: z.enum(paymentMethodTypes),
  last4: z
    .string()
    .regex(/^\d{4}$/)
    .optional(),
});

const invoiceAmountSchema = z.object({ invoiceId: z.string().min(1), amountCents: positiveCents.optional() });
const invoiceSnapshotSchema = z.object({
  invoiceId: z.string().uuid(),
  invoiceNumber: z.string().min(1),
  customerId: z.string().min(1),
  accountNumber: z.string().min(1),
  invoiceDate: businessDate,
  dueDate: businessDate,
  invoiceAmountCents: cents.nonnegative(),
  amountDueCents: cents.nonnegative(),
  status: z.enum(['open', 'paid']),
  /**
   * Grows by one with every change of the invoice, so a reader keeps the newest snapshot even when
   * an older one is delivered again. Optional only for events written before it existed.
   */
  version: z.number().int().positive().optional(),
});
const applicationSchema = z.object({ invoiceId: z.string().min(1), amountCents: positiveCents });

/** What every event about a whole payment says of it: who pays, how much, how, and for which invoices. */
const paymentSchema = z.object({
  paymentId: z.string().uuid(),
  customerId: z.string().min(1),
  amountCents: positiveCents,
  currency: z.literal('USD'),
  method: publicMethodSchema,
  invoices: z.array(invoiceAmountSchema).min(1),
});

/**
 * A bank account as it travels to settlement (docs/architecture.md, "Money and data"): the account
 * number only as AES-256-GCM ciphertext bound to the payment id (additional authenticated data),
 * with the id of the key that sealed it. Only payment-intake and settlement hold that key.
 */
export const bankAccountCiphertextSchema = z.object({
  routingNumber: z.string().regex(/^\d{9}$/),
  accountNumberCiphertext: z.string().min(1),
  keyId: z.string().min(1),
});

/** The method as `payment.submitted` carries it to settlement: what it needs to move the money. */
const submittedMethodSchema = publicMethodSchema.extend({
  /** ach and saved: the account to debit. */
  bankAccount: bankAccountCiphertextSchema.optional(),
  /** card: the processor's token (never a card number). */
  cardToken: z.string().min(1).max(200).optional(),
  /** saved: the customer's saved method it was paid with. */
  paymentMethodId: z.string().min(1).optional(),
  accountHolderName: z.string().max(22).optional(),
});

/** Statuses of a payment (docs/architecture.md, "Public contract"). */
export const paymentStatuses = [
  'submitted',
  'scheduled',
  'awaiting_funds',
  'posted',
  'returned',
  'failed',
  'canceled',
  'expired',
] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

/** Where a payment came from: a portal request, an autopay run, or a re-presentment of a returned debit. */
export const paymentOrigins = ['portal', 'autopay', 'representment'] as const;

/**
 * How settlement classifies a return (libs/ach): a debit that may be presented again (R01, R09), an
 * unusable account (disable the saved method), a revoked authorisation (stop autopay), or other.
 */
export const returnClasses = ['re-presentable', 'account-level', 'authorization-revoked', 'other'] as const;
export type ReturnClass = (typeof returnClasses)[number];

/** The small form of a payment that settlement's status events share. */
const paymentStatusSchema = z.object({
  paymentId: z.string().uuid(),
  customerId: z.string().min(1),
  amountCents: positiveCents,
  method: publicMethodSchema,
});

const feeKinds = ['return', 'paper'] as const;
const invoiceAmountNamedSchema = applicationSchema.extend({ invoiceNumber: z.string() });
const customerSchema = z.object({
  customerId: z.string().min(1),
  name: z.string(),
  email: z.string().email(),
  billingDelivery: z.enum(['email', 'paper']),
  accounts: z.array(z.object({ accountNumber: z.string(), siteName: z.string(), city: z.string() })),
});

/** The public view of a payment (`POST /v1/payments`' 201 body), as command results carry it. */
export const paymentViewSchema = z.object({
  paymentId: z.string().uuid(),
  status: z.enum(paymentStatuses),
  customerId: z.string().min(1),
  amountCents: positiveCents,
  currency: z.literal('USD'),
  method: publicMethodSchema.extend({ paymentMethodId: z.string().min(1).optional() }),
  invoices: z.array(applicationSchema),
  submittedAt: isoInstant,
  businessDate: businessDate,
  expectedPostingDate: businessDate,
  notice: z.string(),
  statusHistory: z
    .array(z.object({ status: z.enum(paymentStatuses), at: isoInstant, reason: z.string().optional() }))
    .optional(),
});

/** The HTTP error envelope's `error` (docs/architecture.md, "Public contract"). */
export const errorBodySchema = z.object({
  code: z.string().min(1),
  message: z.string(),
  details: z.array(z.object({ field: z.string(), code: z.string(), message: z.string() })),
});

/** Payload schemas per event type: one place, so a wrong payload does not compile or validate. */
export const eventDataSchemas = {
  // intake.payments.v1 — payment-intake
  'payment.submitted': paymentSchema.extend({
    method: submittedMethodSchema,
    submittedAt: isoInstant,
    businessDate: businessDate,
    /** Absent means a portal payment. */
    origin: z.enum(paymentOrigins).optional(),
    /** A re-presentment: the returned payment it presents again. */
    originalPaymentId: z.string().uuid().optional(),
  }),
  /** The customer canceled before the day's file was written; settlement confirms with `payment.canceled`. */
  'payment.cancel-requested': paymentStatusSchema.extend({ requestedAt: isoInstant }),
  'payment-method.saved': z.object({
    paymentMethodId: z.string().min(1),
    customerId: z.string().min(1),
    routingNumber: z.string().regex(/^\d{9}$/),
    last4: z.string().regex(/^\d{4}$/),
    savedAt: isoInstant,
  }),
  /** A saved method can no longer be used (an account-level return, or the customer removed it). */
  'payment-method.disabled': z.object({
    paymentMethodId: z.string().min(1),
    customerId: z.string().min(1),
    last4: z.string().regex(/^\d{4}$/),
    reason: z.string(),
    returnCode: z.string().optional(),
    disabledAt: isoInstant,
  }),
  'autopay.upcoming': z.object({
    customerId: z.string().min(1),
    paymentMethodId: z.string().min(1),
    last4: z.string().regex(/^\d{4}$/),
    runDate: businessDate,
    amountCents: positiveCents,
    invoices: z.array(invoiceAmountNamedSchema),
  }),
  'autopay.failed': z.object({
    customerId: z.string().min(1),
    runDate: businessDate,
    code: z.string(),
    reason: z.string(),
    paymentId: z.string().uuid().optional(),
    paymentMethodId: z.string().min(1).optional(),
  }),

  // payments.command-results.v1 — payment-intake: one result per command of payments.commands.v1
  /** The command ran: the payment as HTTP would have answered (`status` 201 or 200), again for a duplicate. */
  'payment-command.accepted': z.object({
    commandId: z.string().min(1),
    commandType: z.string().min(1),
    status: z.number().int(),
    payment: paymentViewSchema,
  }),
  /** The command was refused: the same status and error body as HTTP; nothing was stored. */
  'payment-command.rejected': z.object({
    commandId: z.string().min(1),
    commandType: z.string().min(1),
    status: z.number().int(),
    error: errorBodySchema,
  }),

  // settlement.payments.v1 — settlement: every status change of a payment, and unmatched receipts
  'payment.scheduled': paymentStatusSchema.extend({
    expectedPostingDate: businessDate,
    /** `awaiting_funds` for check and wire: posts when the receipt arrives. Absent means `scheduled`. */
    status: z.enum(['scheduled', 'awaiting_funds']).optional(),
  }),
  'payment.posted': paymentSchema.extend({ postingDate: businessDate, postedAt: isoInstant }),
  'payment.returned': paymentStatusSchema.extend({
    returnCode: z.string().regex(/^R\d{2}$/),
    returnDescription: z.string(),
    returnClass: z.enum(returnClasses),
    returnedAt: isoInstant,
    businessDate: businessDate,
    /** The saved method it was paid with, if any (intake disables it on an account-level return). */
    paymentMethodId: z.string().min(1).optional(),
  }),
  'payment.failed': paymentStatusSchema.extend({
    code: z.string(),
    reason: z.string(),
    failedAt: isoInstant,
  }),
  /** A declared check or wire never received within the window. */
  'payment.expired': paymentStatusSchema.extend({ expiredAt: isoInstant }),
  'payment.canceled': paymentStatusSchema.extend({ canceledAt: isoInstant }),
  /**
   * A notification of change (NACHA COR entry): the bank's corrected routing and/or account number.
   * A corrected account number travels only as ciphertext bound to the payment id, like `bankAccount`.
   */
  'payment.notice-of-change': z.object({
    paymentId: z.string().uuid(),
    customerId: z.string().min(1),
    changeCode: z.string().regex(/^C\d{2}$/),
    description: z.string(),
    paymentMethodId: z.string().min(1).optional(),
    correctedRoutingNumber: z
      .string()
      .regex(/^\d{9}$/)
      .optional(),
    correctedAccountNumber: z
      .object({ ciphertext: z.string().min(1), keyId: z.string().min(1), last4: z.string().regex(/^\d{4}$/) })
      .optional(),
    receivedAt: isoInstant,
  }),
  /** A check or wire that matched no declared payment: invoice turns it into customer credit. */
  'receipt.unmatched': z.object({
    receiptId: z.string().uuid(),
    type: z.enum(['check', 'wire']),
    customerId: z.string().min(1),
    amountCents: positiveCents,
    reference: z.string().min(1),
    receivedAt: isoInstant,
    businessDate: businessDate,
  }),

  // settlement.reports.v1 — settlement, for finance ops
  'ach-file.created': z.object({
    fileId: z.string().uuid(),
    businessDate: businessDate,
    fileIdModifier: z.string().regex(/^[A-Z0-9]$/),
    entryCount: z.number().int().nonnegative(),
    totalDebitCents: cents.nonnegative(),
    entryHash: z.string().regex(/^\d{1,10}$/),
    createdAt: isoInstant,
  }),
  'settlement-day.closed': z.object({
    businessDate: businessDate,
    closedAt: isoInstant,
    /** Per method: how many payments posted that day and their cents. */
    posted: z.partialRecord(z.enum(paymentMethodTypes), z.object({ count: z.number().int(), cents: cents })),
    returns: z.array(z.object({ returnCode: z.string(), count: z.number().int(), cents: cents })),
    /** Return fees that the day's returns incur ($25.00 each; invoice charges them). */
    returnFees: z.object({ count: z.number().int(), cents: cents }),
    achFiles: z.array(z.string().uuid()),
  }),

  // invoice.events.v1 — invoice
  /** A new invoice, as intake needs it to validate payments (intake keeps its own read model). */
  'invoice.issued': invoiceSnapshotSchema,
  /** An invoice's amount due or status changed (payment applied, reversed, fee added). */
  'invoice.balance-changed': invoiceSnapshotSchema,
  'invoice.paid': invoiceSnapshotSchema,
  'customer.created': customerSchema,
  'customer.updated': customerSchema,
  'payment.applied': z.object({
    paymentId: z.string().uuid(),
    customerId: z.string().min(1),
    customerName: z.string(),
    customerEmail: z.string().email(),
    amountCents: positiveCents,
    applications: z.array(invoiceAmountNamedSchema),
    creditCents: cents.nonnegative(),
    postingDate: businessDate,
  }),
  /** A returned payment's applications and credit, undone. */
  'payment.reversed': z.object({
    paymentId: z.string().uuid(),
    customerId: z.string().min(1),
    amountCents: positiveCents,
    reversals: z.array(invoiceAmountNamedSchema),
    creditReversedCents: cents.nonnegative(),
    returnCode: z.string().optional(),
  }),
  'fee.charged': z.object({
    feeId: z.string().uuid(),
    customerId: z.string().min(1),
    kind: z.enum(feeKinds),
    amountCents: positiveCents,
    invoiceId: z.string().uuid(),
    invoiceNumber: z.string(),
    /** The returned payment a return fee is charged for. */
    paymentId: z.string().uuid().optional(),
    returnCode: z.string().optional(),
  }),
  'fee.waived': z.object({
    feeId: z.string().uuid(),
    customerId: z.string().min(1),
    kind: z.enum(feeKinds),
    amountCents: positiveCents,
    reason: z.string().min(1),
    waivedBy: z.string().min(1),
  }),
  'credit.applied': z.object({
    customerId: z.string().min(1),
    applications: z.array(invoiceAmountNamedSchema),
    appliedCents: positiveCents,
    remainingCreditCents: cents.nonnegative(),
  }),

  // notification.events.v1 — notification
  'notification.sent': z.object({
    notificationId: z.string().uuid(),
    sourceEventId: z.string().min(1),
    customerId: z.string().min(1),
    type: z.string(),
    channel: z.enum(['email', 'webhook']),
  }),
} as const;

export type EventType = keyof typeof eventDataSchemas;
export type EventData<T extends EventType> = z.infer<(typeof eventDataSchemas)[T]>;
export const EVENT_TYPES = Object.keys(eventDataSchemas) as EventType[];

/** Which topic carries each event type; the producer never types a topic by hand. */
export const topicOfEvent: Record<EventType, TopicName> = {
  'payment.submitted': Topics.intakePayments,
  'payment.cancel-requested': Topics.intakePayments,
  'payment-method.saved': Topics.intakePayments,
  'payment-method.disabled': Topics.intakePayments,
  'autopay.upcoming': Topics.intakePayments,
  'autopay.failed': Topics.intakePayments,
  'payment-command.accepted': Topics.paymentsCommandResults,
  'payment-command.rejected': Topics.paymentsCommandResults,
  'payment.scheduled': Topics.settlementPayments,
  'payment.posted': Topics.settlementPayments,
  'payment.returned': Topics.settlementPayments,
  'payment.failed': Topics.settlementPayments,
  'payment.expired': Topics.settlementPayments,
  'payment.canceled': Topics.settlementPayments,
  'payment.notice-of-change': Topics.settlementPayments,
  'receipt.unmatched': Topics.settlementPayments,
  'ach-file.created': Topics.settlementReports,
  'settlement-day.closed': Topics.settlementReports,
  'invoice.issued': Topics.invoiceEvents,
  'invoice.balance-changed': Topics.invoiceEvents,
  'invoice.paid': Topics.invoiceEvents,
  'customer.created': Topics.invoiceEvents,
  'customer.updated': Topics.invoiceEvents,
  'payment.applied': Topics.invoiceEvents,
  'payment.reversed': Topics.invoiceEvents,
  'fee.charged': Topics.invoiceEvents,
  'fee.waived': Topics.invoiceEvents,
  'credit.applied': Topics.invoiceEvents,
  'notification.sent': Topics.notificationEvents,
};

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(eventDataSchemas, type);
}
