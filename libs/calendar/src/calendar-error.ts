import { DomainError } from '@remit/money';

/** Stable codes of @remit/calendar (CONTRIBUTING.md, "Errors are data"). */
export type CalendarErrorCode =
  /** Not a real `YYYY-MM-DD` calendar date ('2026-02-30', '2026-2-3', '20261125'). */
  | 'CALENDAR.INVALID_DATE'
  /** A year outside the range whose Federal Reserve holiday rules this library knows (fed-holidays.ts). */
  | 'CALENDAR.YEAR_OUT_OF_RANGE'
  /** An instant that is not a valid Date or an ISO 8601 string with a UTC offset. */
  | 'CALENDAR.INVALID_INSTANT'
  /** A cutoff that is not `HH:MM` between 00:00 and 23:59. */
  | 'CALENDAR.INVALID_CUTOFF'
  /** A time zone the runtime's Intl does not know. */
  | 'CALENDAR.INVALID_TIME_ZONE'
  /** A payment method with no posting rule (posting-date.ts). */
  | 'CALENDAR.UNKNOWN_PAYMENT_METHOD'
  /** Any other argument outside its domain (e.g. a negative number of business days). */
  | 'CALENDAR.INVALID_ARGUMENT';

export function calendarError(code: CalendarErrorCode, message: string, field?: string): DomainError {
  return new DomainError(code, message, field);
}
