import { addCalendarDays, dayOfWeekOf, parseBusinessDate, type BusinessDate } from './business-date';
import { calendarError } from './calendar-error';
import { fedHolidayOn } from './fed-holidays';

/**
 * docs/architecture.md, "Business-day rules": business days are Monday-Friday except Federal Reserve holidays
 * (as observed, fed-holidays.ts). All functions take and return `YYYY-MM-DD` and refuse anything else
 * with CALENDAR.INVALID_DATE.
 */
export function isBusinessDay(date: BusinessDate): boolean {
  const weekday = dayOfWeekOf(parseBusinessDate(date));
  return weekday !== 0 && weekday !== 6 && fedHolidayOn(date) === undefined;
}

/** The first business day strictly after `date` (whatever `date` is). */
export function nextBusinessDay(date: BusinessDate): BusinessDate {
  let candidate = addCalendarDays(date, 1);
  // At most four steps: a Friday holiday followed by a weekend and a Monday holiday is the worst case.
  while (!isBusinessDay(candidate)) candidate = addCalendarDays(candidate, 1);
  return candidate;
}

/** The last business day strictly before `date`. */
export function previousBusinessDay(date: BusinessDate): BusinessDate {
  let candidate = addCalendarDays(date, -1);
  while (!isBusinessDay(candidate)) candidate = addCalendarDays(candidate, -1);
  return candidate;
}

/**
 * The `businessDays`-th business day after `date` (docs/architecture.md: "Posting date = the Nth business day after
 * the submission's business day").
 *
 * A `date` that is not a business day first rolls forward to the next business day, then counts — as
 * docs/architecture.md says a payment "on a non-business day counts from the next business day" (and as Reg CC
 * 229.19(a)(5) treats funds received on a non-banking day). So:
 * - `businessDays = 0`: `date` itself if it is a business day, otherwise the next business day;
 * - Saturday 2026-11-28 + 1 is Tuesday 12-01 (Monday 11-30 is day 0), not Monday;
 * - for every n, `addBusinessDays(d, n + 1) === nextBusinessDay(addBusinessDays(d, n))`.
 *
 * Refuses a negative, fractional or unsafe count with CALENDAR.INVALID_ARGUMENT (`businessDays`).
 */
export function addBusinessDays(date: BusinessDate, businessDays: number): BusinessDate {
  parseBusinessDate(date);
  if (!Number.isSafeInteger(businessDays) || businessDays < 0) {
    throw calendarError(
      'CALENDAR.INVALID_ARGUMENT',
      `businessDays must be a whole number >= 0, got ${String(businessDays)}`,
      'businessDays',
    );
  }
  let result = isBusinessDay(date) ? date : nextBusinessDay(date);
  for (let counted = 0; counted < businessDays; counted += 1) result = nextBusinessDay(result);
  return result;
}
