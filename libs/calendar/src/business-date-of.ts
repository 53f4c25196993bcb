import type { BusinessDate } from './business-date';
import { isBusinessDay, nextBusinessDay } from './business-day';
import { calendarError } from './calendar-error';
import { DEFAULT_TIME_ZONE, localDateTimeOf, type Instant } from './zoned-time';

/** docs/architecture.md, "Business-day rules": "Cutoff 17:00 (configurable)". */
export const DEFAULT_CUTOFF = '17:00';

export interface BusinessDateOptions {
  /** `HH:MM`, 24-hour, local to `timeZone` (default 17:00). */
  readonly cutoff?: string;
  /** IANA zone of the cutoff and of the business date (default America/New_York). */
  readonly timeZone?: string;
}

export interface Cutoff {
  readonly hour: number;
  readonly minute: number;
}

const CUTOFF_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Reads `HH:MM` (00:00-23:59, two digits each); anything else is CALENDAR.INVALID_CUTOFF (`cutoff`). */
export function parseCutoff(cutoff: string): Cutoff {
  const match = typeof cutoff === 'string' ? CUTOFF_PATTERN.exec(cutoff) : null;
  if (match === null) {
    throw calendarError('CALENDAR.INVALID_CUTOFF', `cutoff must be HH:MM between 00:00 and 23:59`, 'cutoff');
  }
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/**
 * The business day a submission at `instant` counts for (docs/architecture.md: "a payment made after the cutoff or
 * on a non-business day counts from the next business day"): the local date in `timeZone` if it is a
 * business day and the local time is before the cutoff, otherwise the next business day.
 *
 * "Before" is strict and measured to the second: with a 17:00 cutoff, 16:59:59.999 is before it and
 * 17:00:00 exactly is after it (the cutoff is the first moment that no longer counts for the day).
 * Local time comes from Intl with the IANA zone, so the EST/EDT switch is handled: 17:00 in New York is
 * 22:00Z in winter and 21:00Z in summer.
 */
export function businessDateOf(instant: Instant, options: BusinessDateOptions = {}): BusinessDate {
  const cutoff = parseCutoff(options.cutoff ?? DEFAULT_CUTOFF);
  const local = localDateTimeOf(instant, options.timeZone ?? DEFAULT_TIME_ZONE);
  const secondsIntoDay = local.hour * 3600 + local.minute * 60 + local.second;
  const beforeCutoff = secondsIntoDay < cutoff.hour * 3600 + cutoff.minute * 60;
  return beforeCutoff && isBusinessDay(local.date) ? local.date : nextBusinessDay(local.date);
}
