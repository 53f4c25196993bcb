import { calendarError } from './calendar-error';

/**
 * A business date: a calendar day `YYYY-MM-DD` in America/New_York (CONTRIBUTING.md, "Dates": "business
 * dates are YYYY-MM-DD strings in America/New_York"). It has no time and no zone of its own, so all
 * arithmetic below is on whole days, in integers, and never goes through the machine's local time.
 */
export type BusinessDate = string;

export interface CalendarDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** 0 = Sunday ... 6 = Saturday, as Date#getUTCDay. */
export type DayOfWeek = 0 | 1 | 2 | 3 | 4 | 5 | 6;

const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 ? (isLeapYear(year) ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function toCalendarDate(text: unknown): CalendarDate | undefined {
  const match = typeof text === 'string' ? DATE_PATTERN.exec(text) : null;
  if (match === null) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Year 0000 does not exist in the proleptic Gregorian calendar as ISO 8601 business data uses it.
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  return { year, month, day };
}

/** True for a real calendar date written exactly `YYYY-MM-DD` (no time, no zone, no missing zeros). */
export function isValidBusinessDateString(text: unknown): text is BusinessDate {
  return toCalendarDate(text) !== undefined;
}

/**
 * Reads a `YYYY-MM-DD` date, refusing anything else with CALENDAR.INVALID_DATE (`field`): impossible
 * days ('2026-02-30', '2025-02-29'), other shapes ('2026-2-3', '2026/02/03', '2026-02-03T00:00:00Z').
 * `new Date('2026-02-30')` would silently roll over to March 2; this does not.
 */
export function parseBusinessDate(text: string, field = 'date'): CalendarDate {
  const date = toCalendarDate(text);
  if (date === undefined) {
    throw calendarError('CALENDAR.INVALID_DATE', `${field} must be a real date written YYYY-MM-DD`, field);
  }
  return date;
}

export function formatBusinessDate({ year, month, day }: CalendarDate): BusinessDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-Compatible Low-Level Date
 * Algorithms", days_from_civil). Integer-only, so it has none of Date.UTC's quirks (two-digit years
 * mapped to 19xx) and does not depend on the machine's time zone.
 */
export function epochDayOf({ year, month, day }: CalendarDate): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** The inverse of `epochDayOf` (Hinnant, civil_from_days). */
export function calendarDateOfEpochDay(epochDay: number): CalendarDate {
  const z = epochDay + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const monthIndex = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * monthIndex + 2) / 5) + 1;
  const month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9;
  return { year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Day of the week, 0 = Sunday. 1970-01-01 (epoch day 0) was a Thursday. */
export function dayOfWeekOf(date: CalendarDate): DayOfWeek {
  return ((((epochDayOf(date) + 4) % 7) + 7) % 7) as DayOfWeek;
}

/** `date` moved by `days` whole calendar days (negative: backwards), staying within years 0001-9999. */
export function addCalendarDays(date: BusinessDate, days: number, field = 'date'): BusinessDate {
  const start = parseBusinessDate(date, field);
  if (!Number.isSafeInteger(days)) {
    throw calendarError(
      'CALENDAR.INVALID_ARGUMENT',
      `days must be a whole number, got ${String(days)}`,
      'days',
    );
  }
  const result = calendarDateOfEpochDay(epochDayOf(start) + days);
  if (result.year < 1 || result.year > 9999) {
    throw calendarError(
      'CALENDAR.YEAR_OUT_OF_RANGE',
      `${date} moved by ${days} days leaves years 0001-9999`,
      field,
    );
  }
  return formatBusinessDate(result);
}
