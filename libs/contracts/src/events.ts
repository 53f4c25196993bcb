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

/** Payload schemas per event type: one place, so a wrong payload does not compile or validate. */
export const eventDataSchemas = {
  'payment.submitted': paymentSchema.extend({ submittedAt: isoInstant, businessDate: businessDate }),
  'payment.scheduled': z.object({
    paymentId: z.string().uuid(),
    customerId: z.string().min(1),
    amountCents: positiveCents,
    method: publicMethodSchema,
    expectedPostingDate: businessDate,
  }),
  'payment.posted': paymentSchema.extend({ postingDate: businessDate, postedAt: isoInstant }),
  'payment.applied': z.object({
    paymentId: z.string().uuid(),
    customerId: z.string().min(1),
    customerName: z.string(),
    customerEmail: z.string().email(),
    amountCents: positiveCents,
    applications: z.array(applicationSchema.extend({ invoiceNumber: z.string() })),
    creditCents: cents.nonnegative(),
    postingDate: businessDate,
  }),
  /** A new invoice, as intake needs it to validate payments (intake keeps its own read model). */
  'invoice.issued': invoiceSnapshotSchema,
  /** An invoice's amount due or status changed (payment applied, reversed, fee added). */
  'invoice.balance-changed': invoiceSnapshotSchema,
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
  'payment.scheduled': Topics.settlementPayments,
  'payment.posted': Topics.settlementPayments,
  'payment.applied': Topics.invoiceEvents,
  'invoice.issued': Topics.invoiceEvents,
  'invoice.balance-changed': Topics.invoiceEvents,
  'notification.sent': Topics.notificationEvents,
};

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(eventDataSchemas, type);
}
