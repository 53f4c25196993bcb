import {
  dayOfWeekOf,
  daysInMonth,
  formatBusinessDate,
  parseBusinessDate,
  addCalendarDays,
  type BusinessDate,
  type DayOfWeek,
} from './business-date';
import { calendarError } from './calendar-error';

/**
 * Federal Reserve holidays, computed by rule (docs/architecture.md, "Business-day rules"; Federal Reserve Board,
 * "K.8 - Holidays Observed by the Federal Reserve System", https://www.federalreserve.gov/aboutthefed/k8.htm).
 *
 * Observance, per K.8: "For holidays falling on Saturday, Federal Reserve Banks and Branches will be open
 * the preceding Friday ... For holidays falling on Sunday, all Federal Reserve offices will be closed the
 * following Monday." So a Saturday holiday is NOT moved (general "US federal holiday" libraries move it
 * to Friday, which is wrong for payments), and a Sunday holiday closes the Monday.
 *
 * Not modelled: Inauguration Day (the Board closes, the Reserve Banks and their payment services do not)
 * and one-off closures announced by the Fed (none since the rule set below took effect; add them here,
 * by name and year, if the Fed ever announces one).
 */
export interface FedHoliday {
  /** The Fed's name for the holiday, as in K.8. */
  readonly name: FedHolidayName;
  /** The holiday's own date (for Monday/Thursday holidays, that Monday or Thursday). */
  readonly date: BusinessDate;
  /**
   * The date the Federal Reserve is closed for it: the date itself, or the Monday after a Sunday holiday.
   * For a Saturday holiday it stays the Saturday (not moved): no business day is lost.
   */
  readonly observed: BusinessDate;
}

export type FedHolidayName =
  | "New Year's Day"
  | 'Birthday of Martin Luther King, Jr.'
  | "Washington's Birthday"
  | 'Memorial Day'
  | 'Juneteenth National Independence Day'
  | 'Independence Day'
  | 'Labor Day'
  | 'Columbus Day'
  | 'Veterans Day'
  | 'Thanksgiving Day'
  | 'Christmas Day';

/**
 * The rules below are the ones in force since 1986, the first year Martin Luther King Jr. Day was
 * observed (5 U.S.C. 6103; the Monday holidays date from the Uniform Monday Holiday Act, in force 1971,
 * and Veterans Day returned to November 11 in 1978). Earlier years had other rules, so they are refused
 * rather than answered wrongly. 9999 is the last year a `YYYY-MM-DD` date can carry.
 */
export const FED_CALENDAR_FIRST_YEAR = 1986;
export const FED_CALENDAR_LAST_YEAR = 9999;

/**
 * Juneteenth National Independence Day became a legal public holiday on 2021-06-17 (Pub. L. 117-17).
 * The Reserve Banks stayed open on Friday 2021-06-18 ("standard practice for any federal holiday that
 * falls on a Saturday", Board press release 2021-06-17) and first listed it for 2022.
 */
export const JUNETEENTH_FIRST_YEAR = 2022;

const MONDAY: DayOfWeek = 1;
const THURSDAY: DayOfWeek = 4;

/** The day of the month of the `nth` (1-based) `weekday` of `month`. */
function nthWeekday(year: number, month: number, weekday: DayOfWeek, nth: number): number {
  const first = dayOfWeekOf({ year, month, day: 1 });
  return 1 + ((weekday - first + 7) % 7) + 7 * (nth - 1);
}

function lastWeekday(year: number, month: number, weekday: DayOfWeek): number {
  const lastDay = daysInMonth(year, month);
  const last = dayOfWeekOf({ year, month, day: lastDay });
  return lastDay - ((last - weekday + 7) % 7);
}

/** K.8 observance: Sunday -> the following Monday; Saturday -> not moved; weekdays -> the day itself. */
function observedDate(date: BusinessDate): BusinessDate {
  return dayOfWeekOf(parseBusinessDate(date)) === 0 ? addCalendarDays(date, 1) : date;
}

function computeFedHolidays(year: number): readonly FedHoliday[] {
  const on = (month: number, day: number) => formatBusinessDate({ year, month, day });
  const dates: [FedHolidayName, BusinessDate][] = [
    ["New Year's Day", on(1, 1)],
    ['Birthday of Martin Luther King, Jr.', on(1, nthWeekday(year, 1, MONDAY, 3))],
    ["Washington's Birthday", on(2, nthWeekday(year, 2, MONDAY, 3))],
    ['Memorial Day', on(5, lastWeekday(year, 5, MONDAY))],
    ...(year >= JUNETEENTH_FIRST_YEAR
      ? [['Juneteenth National Independence Day', on(6, 19)] as [FedHolidayName, BusinessDate]]
      : []),
    ['Independence Day', on(7, 4)],
    ['Labor Day', on(9, nthWeekday(year, 9, MONDAY, 1))],
    ['Columbus Day', on(10, nthWeekday(year, 10, MONDAY, 2))],
    ['Veterans Day', on(11, 11)],
    ['Thanksgiving Day', on(11, nthWeekday(year, 11, THURSDAY, 4))],
    ['Christmas Day', on(12, 25)],
  ];
  // A Sunday holiday moves at most one day forward, and the last fixed holiday is December 25, so an
  // observed date never leaves its year: each year's closures can be computed and looked up alone.
  return Object.freeze(
    dates.map(([name, date]) => Object.freeze({ name, date, observed: observedDate(date) })),
  );
}

const holidaysByYear = new Map<number, readonly FedHoliday[]>();

function holidaysOf(year: number, field = 'year'): readonly FedHoliday[] {
  if (!Number.isInteger(year) || year < FED_CALENDAR_FIRST_YEAR || year > FED_CALENDAR_LAST_YEAR) {
    throw calendarError(
      'CALENDAR.YEAR_OUT_OF_RANGE',
      `the Federal Reserve holiday rules are known for ${FED_CALENDAR_FIRST_YEAR}-${FED_CALENDAR_LAST_YEAR}, not ${String(year)}`,
      field,
    );
  }
  let holidays = holidaysByYear.get(year);
  if (holidays === undefined) {
    holidays = computeFedHolidays(year);
    holidaysByYear.set(year, holidays);
  }
  return holidays;
}

/** The Federal Reserve holidays of `year`, in calendar order (10 before 2022, 11 from 2022). */
export function fedHolidays(year: number): FedHoliday[] {
  return [...holidaysOf(year)];
}

/**
 * The holiday the Federal Reserve is closed for on `date`, if any (matching `observed`). A Saturday
 * holiday matches its Saturday, which is not a business day anyway; its Friday matches nothing.
 */
export function fedHolidayOn(date: BusinessDate): FedHoliday | undefined {
  const { year } = parseBusinessDate(date);
  return holidaysOf(year, 'date').find((holiday) => holiday.observed === date);
}
