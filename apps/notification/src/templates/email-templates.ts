import { addBusinessDays, POSTING_BUSINESS_DAYS } from '@remit/calendar';
import type { AnyCloudEvent, CloudEvent, EventData, EventType } from '@remit/contracts';
import { formatUsd } from '@remit/money';
import { layoutEmail, type EmailBlock, type EmailContent, type RenderedEmail } from './email-layout';

/** A customer site, as far as an email names it. */
export interface SiteName {
  siteName: string;
  city: string;
}

/** What the templates need besides the event: the recipient and the configured texts. */
export interface TemplateContext {
  customerName: string;
  sites: SiteName[];
  /** CHECK_REMIT_ADDRESS. */
  checkRemitAddress: string;
  /** Where to wire (WIRE_*; the same instructions intake's 201 notice gives). */
  wireInstructions: string;
  /** The Return Fee in cents (libs/fees' policy: $25.00). */
  returnFeeCents: number;
  /** The Paper Invoice Fee in cents ($10.00). */
  paperInvoiceFeeCents: number;
}

type Method = { type: string; last4?: string | undefined };

/** "account ending 6789" / "card ending 4242" / "check": never more than the last four digits. */
export function describeMethod(method: Method): string {
  const ending = method.last4 ? ` ending ${method.last4}` : '';
  switch (method.type) {
    case 'ach':
    case 'saved':
      return `bank account${ending}`;
    case 'card':
      return `card${ending}`;
    case 'check':
      return 'check';
    case 'wire':
      return 'wire transfer';
    default:
      return method.type;
  }
}

/** "Dear <customer>," — or "Hello," while notification does not know the customer's name yet. */
function greeting(context: TemplateContext): string {
  return context.customerName ? `Dear ${context.customerName},` : 'Hello,';
}

/** The customer's sites, so a customer with several accounts knows which business this is about. */
function footer(context: TemplateContext, reference?: string): EmailBlock[] {
  const blocks: EmailBlock[] = [];
  if (context.sites.length > 0) {
    blocks.push(`Your sites: ${context.sites.map((site) => `${site.siteName} (${site.city})`).join(', ')}`);
  }
  if (reference) blocks.push(`Reference: ${reference}`);
  return blocks;
}

function returnFeeNotice(context: TemplateContext): string {
  return `Any returned payment is subject to a Return Fee of ${formatUsd(context.returnFeeCents)}.`;
}

/**
 * The posting notice of the portal (docs/architecture.md, "Business-day rules"): ACH up to 2 business
 * days, card the same day, with the date it is expected to post.
 */
export function postingNotice(method: Method, businessDate: string): string {
  const kind =
    method.type === 'card' ? 'card' : method.type === 'check' || method.type === 'wire' ? method.type : 'ach';
  const days = POSTING_BUSINESS_DAYS[kind];
  const expected = addBusinessDays(businessDate, days);
  if (days === 0) return `Card payments are reflected in your account the same day (${expected}).`;
  return `Please allow up to ${days} business days for payments to be reflected in your account (expected ${expected}).`;
}

/** payment.submitted (ACH, saved method, card): we have the payment; when it posts. */
export function paymentReceived(
  payment: EventData<'payment.submitted'>,
  context: TemplateContext,
): EmailContent {
  return {
    type: 'payment.received',
    subject: `We received your payment of ${formatUsd(payment.amountCents)}`,
    blocks: [
      greeting(context),
      `We received your payment of ${formatUsd(payment.amountCents)} from your ${describeMethod(payment.method)}.`,
      postingNotice(payment.method, payment.businessDate),
      returnFeeNotice(context),
      ...footer(context, payment.paymentId),
    ],
  };
}

/** payment.scheduled with status awaiting_funds: where to mail the check, or how to wire. */
export function fundsAwaited(
  payment: EventData<'payment.scheduled'>,
  context: TemplateContext,
): EmailContent {
  const amount = formatUsd(payment.amountCents);
  if (payment.method.type === 'wire') {
    return {
      type: 'payment.wire-awaited',
      subject: `Wire transfer of ${amount} awaited`,
      blocks: [
        greeting(context),
        `We are expecting your wire transfer of ${amount}, by ${payment.expectedPostingDate}.`,
        `Wire instructions: ${context.wireInstructions}`,
        `Please include the reference below with the wire. Please allow up to 2 business days for payments to be reflected in your account.`,
        ...footer(context, payment.paymentId),
      ],
    };
  }
  return {
    type: 'payment.check-awaited',
    subject: `Check payment of ${amount} awaited`,
    blocks: [
      greeting(context),
      `We are expecting your check for ${amount}, by ${payment.expectedPostingDate}.`,
      `Mail the check to: ${context.checkRemitAddress}`,
      `Please write the reference below on the check. Please allow up to 5 business days for payments to be reflected in your account.`,
      returnFeeNotice(context),
      ...footer(context, payment.paymentId),
    ],
  };
}

/** payment.applied: the posted receipt, invoice by invoice, and any credit. */
export function postedReceipt(payment: EventData<'payment.applied'>, context: TemplateContext): EmailContent {
  const lines = payment.applications.map(
    (application) => `Invoice ${application.invoiceNumber}: ${formatUsd(application.amountCents)}`,
  );
  if (payment.creditCents > 0) lines.push(`Credit to your account: ${formatUsd(payment.creditCents)}`);
  return {
    type: 'payment.receipt',
    subject: `Payment received: ${formatUsd(payment.amountCents)}`,
    blocks: [
      greeting(context),
      `We received your payment of ${formatUsd(payment.amountCents)}, posted on ${payment.postingDate}.`,
      { list: lines },
      ...footer(context, payment.paymentId),
    ],
  };
}

/** payment.returned: which payment, why, and the Return Fee. */
export function paymentReturned(
  payment: EventData<'payment.returned'>,
  context: TemplateContext,
): EmailContent {
  const amount = formatUsd(payment.amountCents);
  return {
    type: 'payment.returned',
    subject: `Payment returned: ${amount}`,
    blocks: [
      greeting(context),
      `Your payment of ${amount} from your ${describeMethod(payment.method)} was returned by your bank (${payment.returnCode}: ${payment.returnDescription}).`,
      `The invoices it paid are open again. A Return Fee of ${formatUsd(context.returnFeeCents)} applies to this returned payment.`,
      payment.returnClass === 're-presentable'
        ? 'We may present the payment to your bank again.'
        : 'Please pay with another payment method.',
      ...footer(context, payment.paymentId),
    ],
  };
}

/** payment.failed: a payment that could not be made (a declined card, say). */
export function paymentFailed(payment: EventData<'payment.failed'>, context: TemplateContext): EmailContent {
  const amount = formatUsd(payment.amountCents);
  return {
    type: 'payment.failed',
    subject: `Payment of ${amount} failed`,
    blocks: [
      greeting(context),
      `Your payment of ${amount} from your ${describeMethod(payment.method)} could not be made: ${payment.reason}.`,
      'Your invoices remain open; please pay again in the portal.',
      ...footer(context, payment.paymentId),
    ],
  };
}

function feeName(kind: 'return' | 'paper'): string {
  return kind === 'return' ? 'Return Fee' : 'Paper Invoice Fee';
}

/** fee.charged: a Return Fee for a returned payment, or a Paper Invoice Fee. */
export function feeCharged(fee: EventData<'fee.charged'>, context: TemplateContext): EmailContent {
  const name = feeName(fee.kind);
  const why =
    fee.kind === 'return'
      ? `A ${name} of ${formatUsd(fee.amountCents)} was charged for your returned payment${fee.returnCode ? ` (${fee.returnCode})` : ''}.`
      : `A ${name} of ${formatUsd(fee.amountCents)} was charged for a paper bill. Choose email billing to avoid it.`;
  return {
    type: 'fee.charged',
    subject: `${name} charged: ${formatUsd(fee.amountCents)}`,
    blocks: [
      greeting(context),
      why,
      `It appears on invoice ${fee.invoiceNumber}.`,
      ...footer(context, fee.paymentId ?? fee.feeId),
    ],
  };
}

/** fee.waived: a fee taken back. */
export function feeWaived(fee: EventData<'fee.waived'>, context: TemplateContext): EmailContent {
  const name = feeName(fee.kind);
  return {
    type: 'fee.waived',
    subject: `${name} waived: ${formatUsd(fee.amountCents)}`,
    blocks: [
      greeting(context),
      `We waived a ${name} of ${formatUsd(fee.amountCents)}: ${fee.reason}.`,
      ...footer(context, fee.feeId),
    ],
  };
}

/** autopay.upcoming: what the next autopay run will pay, and from which account. */
export function autopayUpcoming(run: EventData<'autopay.upcoming'>, context: TemplateContext): EmailContent {
  const amount = formatUsd(run.amountCents);
  return {
    type: 'autopay.upcoming',
    subject: `Autopay of ${amount} on ${run.runDate}`,
    blocks: [
      greeting(context),
      `On ${run.runDate} autopay will pay ${amount} from your bank account ending ${run.last4}:`,
      {
        list: run.invoices.map(
          (invoice) => `Invoice ${invoice.invoiceNumber}: ${formatUsd(invoice.amountCents)}`,
        ),
      },
      returnFeeNotice(context),
      ...footer(context),
    ],
  };
}

/** autopay.failed: the run could not pay; the customer has to. */
export function autopayFailed(run: EventData<'autopay.failed'>, context: TemplateContext): EmailContent {
  return {
    type: 'autopay.failed',
    subject: `Autopay on ${run.runDate} did not go through`,
    blocks: [
      greeting(context),
      `Your autopay on ${run.runDate} did not go through: ${run.reason} (${run.code}).`,
      'Your invoices remain open; please pay them in the portal.',
      ...footer(context, run.paymentId),
    ],
  };
}

/** payment-method.disabled: a saved account that can no longer be used (autopay with it stops). */
export function paymentMethodDisabled(
  method: EventData<'payment-method.disabled'>,
  context: TemplateContext,
): EmailContent {
  return {
    type: 'payment-method.disabled',
    subject: `Bank account ending ${method.last4} disabled`,
    blocks: [
      greeting(context),
      `Your saved bank account ending ${method.last4} can no longer be used: ${method.reason}${method.returnCode ? ` (${method.returnCode})` : ''}.`,
      'Autopay with this account is suspended. Please add another payment method in the portal.',
      ...footer(context),
    ],
  };
}

/**
 * The email an event calls for, or `undefined` when it calls for none: a check or wire declared at
 * submission waits for settlement's `awaiting_funds` notice, a plain `scheduled` or `posted` says
 * nothing new (the receipt follows once invoice has applied the money).
 */
export function emailFor(event: AnyCloudEvent, context: TemplateContext): RenderedEmail | undefined {
  const content = contentFor(event, context);
  return content ? layoutEmail(content) : undefined;
}

/** The template of each event type that calls for an email; a type not listed calls for none. */
const TEMPLATES: {
  [T in EventType]?: (data: EventData<T>, context: TemplateContext) => EmailContent | undefined;
} = {
  'payment.submitted': (data, context) =>
    data.method.type === 'check' || data.method.type === 'wire' ? undefined : paymentReceived(data, context),
  'payment.scheduled': (data, context) =>
    data.status === 'awaiting_funds' ? fundsAwaited(data, context) : undefined,
  'payment.applied': postedReceipt,
  'payment.returned': paymentReturned,
  'payment.failed': paymentFailed,
  'fee.charged': feeCharged,
  'fee.waived': feeWaived,
  'autopay.upcoming': autopayUpcoming,
  'autopay.failed': autopayFailed,
  'payment-method.disabled': paymentMethodDisabled,
};

function contentFor<T extends EventType>(
  event: CloudEvent<T>,
  context: TemplateContext,
): EmailContent | undefined {
  const template = TEMPLATES[event.type];
  return template?.(event.data, context);
}

/** The wire instructions of the configuration (WIRE_*) as one line, as intake's notice gives them. */
export function wireInstructionsText(wire: {
  beneficiaryName: string;
  bankName: string;
  routingNumber: string;
  accountNumber: string;
}): string {
  return `Beneficiary: ${wire.beneficiaryName}; Bank: ${wire.bankName}; ABA routing number: ${wire.routingNumber}; account: ${wire.accountNumber}`;
}
