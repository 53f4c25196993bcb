import { formatBusinessDate, isValidBusinessDateString, type BusinessDate } from './business-date';
import { calendarError } from './calendar-error';

/** An instant: a Date, or an ISO 8601 string with an explicit offset (CONTRIBUTING.md, "Dates": instants are UTC ISO strings). */
export type Instant = Date | string;

/** docs/architecture.md, "Business-day rules": "Time zone America/New_York". */
export const DEFAULT_TIME_ZONE = 'America/New_York';

/** Wall-clock date and time of an instant in a time zone. */
export interface LocalDateTime {
  readonly date: BusinessDate;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

// The offset is required: '2026-11-25T14:00:00' without one would be read in the machine's local zone,
// which is exactly the dependency on the host this library must not have.
const ISO_INSTANT =
  /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;

/**
 * A valid Date for `instant`, or CALENDAR.INVALID_INSTANT (`field`): an invalid Date, a string without a
 * UTC offset, or one naming an impossible date or time ('2026-02-30T10:00:00Z' — Date.parse would roll it
 * over to March 2 — '2026-11-25T24:00:00Z', an offset of +24:00).
 */
export function toInstant(instant: Instant, field = 'instant'): Date {
  if (instant instanceof Date) {
    if (Number.isFinite(instant.getTime())) return new Date(instant.getTime());
  } else if (typeof instant === 'string') {
    const match = ISO_INSTANT.exec(instant);
    if (
      match !== null &&
      isValidBusinessDateString(match[1]) &&
      Number(match[2]) <= 23 &&
      Number(match[3]) <= 59 &&
      Number(match[4] ?? 0) <= 59 &&
      Number(match[6] ?? 0) <= 23 &&
      Number(match[7] ?? 0) <= 59
    ) {
      const time = Date.parse(instant);
      if (Number.isFinite(time)) return new Date(time);
    }
  }
  throw calendarError(
    'CALENDAR.INVALID_INSTANT',
    `${field} must be a valid Date or an ISO 8601 date-time with a UTC offset, e.g. 2026-11-25T19:00:00Z`,
    field,
  );
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    try {
      // The runtime's IANA zone data does the DST work (2026-03-08 and 2026-11-01 in New York);
      // h23 so that midnight is 00, never 24; Latin digits whatever the default locale.
      formatter = new Intl.DateTimeFormat('en-US-u-nu-latn', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
      });
    } catch {
      throw calendarError(
        'CALENDAR.INVALID_TIME_ZONE',
        `unknown time zone ${JSON.stringify(timeZone)}`,
        'timeZone',
      );
    }
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock date and time of `instant` in `timeZone` (default America/New_York). */
export function localDateTimeOf(instant: Instant, timeZone: string = DEFAULT_TIME_ZONE): LocalDateTime {
  const parts = formatterFor(timeZone).formatToParts(toInstant(instant));
  const read = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((part) => part.type === type)?.value);
  return {
    date: formatBusinessDate({ year: read('year'), month: read('month'), day: read('day') }),
    hour: read('hour'),
    minute: read('minute'),
    second: read('second'),
  };
}
