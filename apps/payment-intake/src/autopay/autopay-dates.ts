import {
  DEFAULT_TIME_ZONE,
  addCalendarDays,
  epochDayOf,
  isBusinessDay,
  localDateTimeOf,
  parseBusinessDate,
  previousBusinessDay,
  type BusinessDate,
} from '@remit/calendar';

/** The daily run: 06:00 America/New_York on weekdays; the job itself skips Fed holidays. */
export const AUTOPAY_RUN_HOUR = 6;
export const AUTOPAY_RUN_SCHEDULE = {
  pattern: `0 ${AUTOPAY_RUN_HOUR} * * 1-5`,
  tz: DEFAULT_TIME_ZONE,
} as const;

/** Autopay may pay at most this many business days before the due date. */
export const MAX_DAYS_BEFORE_DUE = 10;

/**
 * The date an invoice is paid by autopay: its due date, moved back to the previous business day when
 * it is not one, then `daysBeforeDue` business days earlier (docs/architecture.md, flow 3).
 */
export function autopayDateOf(dueDate: BusinessDate, daysBeforeDue: number): BusinessDate {
  let date = isBusinessDay(dueDate) ? dueDate : previousBusinessDay(dueDate);
  for (let counted = 0; counted < daysBeforeDue; counted += 1) date = previousBusinessDay(date);
  return date;
}

/** Whole calendar days from `from` to `to` (negative when `to` is earlier). */
export function calendarDaysBetween(from: BusinessDate, to: BusinessDate): number {
  return epochDayOf(parseBusinessDate(to)) - epochDayOf(parseBusinessDate(from));
}

/** The instant at `hour`:00 America/New_York on `date` (whatever the DST offset of that day). */
export function newYorkInstant(date: BusinessDate, hour: number): Date {
  for (const offsetHours of [5, 4]) {
    const candidate = new Date(`${date}T${String(hour + offsetHours).padStart(2, '0')}:00:00Z`);
    const local = localDateTimeOf(candidate, DEFAULT_TIME_ZONE);
    if (local.date === date && local.hour === hour) return candidate;
  }
  throw new Error(`no ${hour}:00 in America/New_York on ${date}`);
}

/**
 * When the daily autopay run next does its work after `after`: 06:00 America/New_York on the next
 * business day (weekends and Fed holidays have no run).
 */
export function nextAutopayRunTime(after: Date): Date {
  let date = localDateTimeOf(after, DEFAULT_TIME_ZONE).date;
  for (;;) {
    if (isBusinessDay(date)) {
      const run = newYorkInstant(date, AUTOPAY_RUN_HOUR);
      if (run.getTime() > after.getTime()) return run;
    }
    date = addCalendarDays(date, 1);
  }
}
