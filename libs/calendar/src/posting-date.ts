import { addBusinessDays } from './business-day';
import type { BusinessDate } from './business-date';
import { businessDateOf, type BusinessDateOptions } from './business-date-of';
import { calendarError } from './calendar-error';
import type { Instant } from './zoned-time';

export const PAYMENT_METHOD_TYPES = ['ach', 'wire', 'check', 'card'] as const;
export type PaymentMethodType = (typeof PAYMENT_METHOD_TYPES)[number];

/**
 * docs/architecture.md, "Business-day rules": "Posting date = the Nth business day after the submission's business
 * day: ACH N=2, wire N=2, check N=5 (expected date; posts on receipt), card N=0" — matching the portal's
 * "reflected in the account" column: ACH and wire up to 2 business days, check up to 5, card same day.
 */
export const POSTING_BUSINESS_DAYS: Readonly<Record<PaymentMethodType, number>> = Object.freeze({
  ach: 2,
  wire: 2,
  check: 5,
  card: 0,
});

/**
 * The posting date of a payment submitted at `instant`: `addBusinessDays(businessDateOf(instant), N)`.
 * E.g. ACH on Monday 2026-11-23 10:00 ET posts Wednesday 2026-11-25 (docs/architecture.md); ACH on Wednesday
 * 2026-11-25 14:00 ET posts Monday 2026-11-30 (Thanksgiving 11-26 is skipped: Friday 27 is day 1).
 * An unknown method is CALENDAR.UNKNOWN_PAYMENT_METHOD (`method`), not a guess.
 */
export function postingDate(
  instant: Instant,
  method: PaymentMethodType,
  options: BusinessDateOptions = {},
): BusinessDate {
  if (!(PAYMENT_METHOD_TYPES as readonly string[]).includes(method)) {
    throw calendarError(
      'CALENDAR.UNKNOWN_PAYMENT_METHOD',
      `no posting rule for payment method ${JSON.stringify(method)}`,
      'method',
    );
  }
  return addBusinessDays(businessDateOf(instant, options), POSTING_BUSINESS_DAYS[method]);
}
