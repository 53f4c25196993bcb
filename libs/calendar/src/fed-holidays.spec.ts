import fc from 'fast-check';
import { dayOfWeekOf, parseBusinessDate } from './business-date';
import {
  FED_CALENDAR_FIRST_YEAR,
  FED_CALENDAR_LAST_YEAR,
  fedHolidayOn,
  fedHolidays,
  type FedHoliday,
  type FedHolidayName,
} from './fed-holidays';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

const NY: FedHolidayName = "New Year's Day";
const MLK: FedHolidayName = 'Birthday of Martin Luther King, Jr.';
const WB: FedHolidayName = "Washington's Birthday";
const MEM: FedHolidayName = 'Memorial Day';
const JT: FedHolidayName = 'Juneteenth National Independence Day';
const IND: FedHolidayName = 'Independence Day';
const LAB: FedHolidayName = 'Labor Day';
const COL: FedHolidayName = 'Columbus Day';
const VET: FedHolidayName = 'Veterans Day';
const TG: FedHolidayName = 'Thanksgiving Day';
const XMAS: FedHolidayName = 'Christmas Day';

/**
 * Written by hand from the Federal Reserve Board's published schedules, not from the code:
 * K.8 "Holidays Observed by the Federal Reserve System 2020-2024" (as of 2020-08-04) and "2026-2030"
 * (https://www.federalreserve.gov/aboutthefed/k8.htm), the St. Louis Fed's 2025 schedule, and the Fed's
 * 2021-06-17 notice that Juneteenth is observed from 2022. `observed` is the Sunday -> Monday date from the
 * K.8 footnote "**"; a Saturday holiday ("*") keeps its Saturday: the Reserve Banks are open the Friday.
 */
const PUBLISHED: readonly (readonly [FedHolidayName, string, string])[] = [
  // 2021: no Juneteenth yet; July 4 Sunday -> Monday July 5; Christmas Saturday (Dec 24 open).
  [NY, '2021-01-01', '2021-01-01'],
  [MLK, '2021-01-18', '2021-01-18'],
  [WB, '2021-02-15', '2021-02-15'],
  [MEM, '2021-05-31', '2021-05-31'],
  [IND, '2021-07-04', '2021-07-05'],
  [LAB, '2021-09-06', '2021-09-06'],
  [COL, '2021-10-11', '2021-10-11'],
  [VET, '2021-11-11', '2021-11-11'],
  [TG, '2021-11-25', '2021-11-25'],
  [XMAS, '2021-12-25', '2021-12-25'],
  // 2022: New Year's Day Saturday (Dec 31, 2021 open); Juneteenth and Christmas on Sundays.
  [NY, '2022-01-01', '2022-01-01'],
  [MLK, '2022-01-17', '2022-01-17'],
  [WB, '2022-02-21', '2022-02-21'],
  [MEM, '2022-05-30', '2022-05-30'],
  [JT, '2022-06-19', '2022-06-20'],
  [IND, '2022-07-04', '2022-07-04'],
  [LAB, '2022-09-05', '2022-09-05'],
  [COL, '2022-10-10', '2022-10-10'],
  [VET, '2022-11-11', '2022-11-11'],
  [TG, '2022-11-24', '2022-11-24'],
  [XMAS, '2022-12-25', '2022-12-26'],
  // 2023: New Year's Day Sunday -> Jan 2; Veterans Day Saturday (Nov 10 open).
  [NY, '2023-01-01', '2023-01-02'],
  [MLK, '2023-01-16', '2023-01-16'],
  [WB, '2023-02-20', '2023-02-20'],
  [MEM, '2023-05-29', '2023-05-29'],
  [JT, '2023-06-19', '2023-06-19'],
  [IND, '2023-07-04', '2023-07-04'],
  [LAB, '2023-09-04', '2023-09-04'],
  [COL, '2023-10-09', '2023-10-09'],
  [VET, '2023-11-11', '2023-11-11'],
  [TG, '2023-11-23', '2023-11-23'],
  [XMAS, '2023-12-25', '2023-12-25'],
  // 2024
  [NY, '2024-01-01', '2024-01-01'],
  [MLK, '2024-01-15', '2024-01-15'],
  [WB, '2024-02-19', '2024-02-19'],
  [MEM, '2024-05-27', '2024-05-27'],
  [JT, '2024-06-19', '2024-06-19'],
  [IND, '2024-07-04', '2024-07-04'],
  [LAB, '2024-09-02', '2024-09-02'],
  [COL, '2024-10-14', '2024-10-14'],
  [VET, '2024-11-11', '2024-11-11'],
  [TG, '2024-11-28', '2024-11-28'],
  [XMAS, '2024-12-25', '2024-12-25'],
  // 2025
  [NY, '2025-01-01', '2025-01-01'],
  [MLK, '2025-01-20', '2025-01-20'],
  [WB, '2025-02-17', '2025-02-17'],
  [MEM, '2025-05-26', '2025-05-26'],
  [JT, '2025-06-19', '2025-06-19'],
  [IND, '2025-07-04', '2025-07-04'],
  [LAB, '2025-09-01', '2025-09-01'],
  [COL, '2025-10-13', '2025-10-13'],
  [VET, '2025-11-11', '2025-11-11'],
  [TG, '2025-11-27', '2025-11-27'],
  [XMAS, '2025-12-25', '2025-12-25'],
  // 2026: Independence Day Saturday (July 3 open).
  [NY, '2026-01-01', '2026-01-01'],
  [MLK, '2026-01-19', '2026-01-19'],
  [WB, '2026-02-16', '2026-02-16'],
  [MEM, '2026-05-25', '2026-05-25'],
  [JT, '2026-06-19', '2026-06-19'],
  [IND, '2026-07-04', '2026-07-04'],
  [LAB, '2026-09-07', '2026-09-07'],
  [COL, '2026-10-12', '2026-10-12'],
  [VET, '2026-11-11', '2026-11-11'],
  [TG, '2026-11-26', '2026-11-26'],
  [XMAS, '2026-12-25', '2026-12-25'],
  // 2027: Juneteenth and Christmas Saturdays (June 18, Dec 24 open); July 4 Sunday -> July 5.
  [NY, '2027-01-01', '2027-01-01'],
  [MLK, '2027-01-18', '2027-01-18'],
  [WB, '2027-02-15', '2027-02-15'],
  [MEM, '2027-05-31', '2027-05-31'],
  [JT, '2027-06-19', '2027-06-19'],
  [IND, '2027-07-04', '2027-07-05'],
  [LAB, '2027-09-06', '2027-09-06'],
  [COL, '2027-10-11', '2027-10-11'],
  [VET, '2027-11-11', '2027-11-11'],
  [TG, '2027-11-25', '2027-11-25'],
  [XMAS, '2027-12-25', '2027-12-25'],
  // 2028: New Year's Day and Veterans Day Saturdays (Dec 31, 2027 and Nov 10 open).
  [NY, '2028-01-01', '2028-01-01'],
  [MLK, '2028-01-17', '2028-01-17'],
  [WB, '2028-02-21', '2028-02-21'],
  [MEM, '2028-05-29', '2028-05-29'],
  [JT, '2028-06-19', '2028-06-19'],
  [IND, '2028-07-04', '2028-07-04'],
  [LAB, '2028-09-04', '2028-09-04'],
  [COL, '2028-10-09', '2028-10-09'],
  [VET, '2028-11-11', '2028-11-11'],
  [TG, '2028-11-23', '2028-11-23'],
  [XMAS, '2028-12-25', '2028-12-25'],
  // 2029: Veterans Day Sunday -> Nov 12.
  [NY, '2029-01-01', '2029-01-01'],
  [MLK, '2029-01-15', '2029-01-15'],
  [WB, '2029-02-19', '2029-02-19'],
  [MEM, '2029-05-28', '2029-05-28'],
  [JT, '2029-06-19', '2029-06-19'],
  [IND, '2029-07-04', '2029-07-04'],
  [LAB, '2029-09-03', '2029-09-03'],
  [COL, '2029-10-08', '2029-10-08'],
  [VET, '2029-11-11', '2029-11-12'],
  [TG, '2029-11-22', '2029-11-22'],
  [XMAS, '2029-12-25', '2029-12-25'],
  // 2030
  [NY, '2030-01-01', '2030-01-01'],
  [MLK, '2030-01-21', '2030-01-21'],
  [WB, '2030-02-18', '2030-02-18'],
  [MEM, '2030-05-27', '2030-05-27'],
  [JT, '2030-06-19', '2030-06-19'],
  [IND, '2030-07-04', '2030-07-04'],
  [LAB, '2030-09-02', '2030-09-02'],
  [COL, '2030-10-14', '2030-10-14'],
  [VET, '2030-11-11', '2030-11-11'],
  [TG, '2030-11-28', '2030-11-28'],
  [XMAS, '2030-12-25', '2030-12-25'],
];

const publishedFor = (year: number): FedHoliday[] =>
  PUBLISHED.filter(([, date]) => date.startsWith(`${year}-`)).map(([name, date, observed]) => ({
    name,
    date,
    observed,
  }));

describe(fedHolidays.name, () => {
  it.each(PUBLISHED.map(([name, date, observed]) => [date, name, observed]))(
    '%s %s is observed on %s',
    (date, name, observed) => {
      expect(fedHolidays(Number(date.slice(0, 4)))).toContainEqual({ name, date, observed });
    },
  );

  it.each([2021, 2022, 2023, 2024, 2025, 2026, 2027, 2028, 2029, 2030])(
    '%d has exactly the published holidays, in calendar order',
    (year) => {
      expect(fedHolidays(year)).toEqual(publishedFor(year));
    },
  );

  it.each([
    [2021, 10, 'Juneteenth is not yet a Fed holiday'],
    [2022, 11, 'Juneteenth observed from 2022'],
    [1986, 10, 'the first year of the rule set'],
    [9999, 11, 'the last year a YYYY-MM-DD date can carry'],
  ])('%d has %d holidays (%s)', (year, count) => {
    expect(fedHolidays(year)).toHaveLength(count);
  });

  it('does not list Inauguration Day (2021-01-20): the Reserve Banks stay open', () => {
    expect(fedHolidays(2021).map((holiday) => holiday.observed)).not.toContain('2021-01-20');
  });

  it.each([1985, 1900, 10000, 2026.5, Number.NaN])(
    'refuses year %d with CALENDAR.YEAR_OUT_OF_RANGE',
    (year) => {
      expect(() => fedHolidays(year)).toThrow(domainError('CALENDAR.YEAR_OUT_OF_RANGE', 'year'));
    },
  );

  it('returns a fresh list each time, with immutable entries', () => {
    const first = fedHolidays(2026);
    first.pop();
    expect(fedHolidays(2026)).toHaveLength(11);
    expect(Object.isFrozen(fedHolidays(2026)[0])).toBe(true);
  });

  describe('rules for any supported year', () => {
    const year = fc.integer({ min: FED_CALENDAR_FIRST_YEAR, max: FED_CALENDAR_LAST_YEAR });
    const weekdayOf = (date: string) => dayOfWeekOf(parseBusinessDate(date));
    const byName = (holidays: FedHoliday[], name: FedHolidayName) =>
      holidays.find((holiday) => holiday.name === name)!;

    it.each<[FedHolidayName, number, number, number, number]>([
      // name, month, weekday, first possible day, last possible day
      [MLK, 1, 1, 15, 21],
      [WB, 2, 1, 15, 21],
      [MEM, 5, 1, 25, 31],
      [LAB, 9, 1, 1, 7],
      [COL, 10, 1, 8, 14],
      [TG, 11, 4, 22, 28],
    ])('%s falls on the right weekday and week', (name, month, weekday, firstDay, lastDay) => {
      fc.assert(
        fc.property(year, (y) => {
          const holiday = byName(fedHolidays(y), name);
          const { month: m, day } = parseBusinessDate(holiday.date);
          expect(m).toBe(month);
          expect(weekdayOf(holiday.date)).toBe(weekday);
          expect(day).toBeGreaterThanOrEqual(firstDay);
          expect(day).toBeLessThanOrEqual(lastDay);
          expect(holiday.observed).toBe(holiday.date);
        }),
      );
    });

    it('every holiday is observed on its date, or the Monday after if it falls on Sunday; a Saturday one is not moved', () => {
      fc.assert(
        fc.property(year, (y) => {
          for (const holiday of fedHolidays(y)) {
            const weekday = weekdayOf(holiday.date);
            expect(holiday.observed).toBe(
              weekday === 0
                ? `${holiday.date.slice(0, 8)}${String(Number(holiday.date.slice(8)) + 1).padStart(2, '0')}`
                : holiday.date,
            );
            expect(weekdayOf(holiday.observed)).not.toBe(0);
            expect(holiday.observed.slice(0, 4)).toBe(String(y).padStart(4, '0'));
          }
        }),
      );
    });
  });
});

describe(fedHolidayOn.name, () => {
  it.each([
    ['2026-11-26', TG],
    ['2022-12-26', XMAS],
    ['2023-01-02', NY],
    ['2027-07-05', IND],
    ['2029-11-12', VET],
    ['2022-06-20', JT],
    ['2026-07-04', IND],
  ])('%s is the observance of %s', (date, name) => {
    expect(fedHolidayOn(date)?.name).toBe(name);
  });

  it.each([
    ['2026-07-03', 'the Friday before a Saturday holiday'],
    ['2022-12-25', 'a Sunday holiday itself (closed anyway; observed Monday)'],
    ['2021-06-18', 'Juneteenth 2021 (not yet a Fed holiday)'],
    ['2021-01-20', 'Inauguration Day'],
    ['2026-11-25', 'an ordinary Wednesday'],
  ])('%s is no closure (%s)', (date) => {
    expect(fedHolidayOn(date)).toBeUndefined();
  });

  it('refuses a malformed date and a year before the rules', () => {
    expect(() => fedHolidayOn('2026-02-30')).toThrow(domainError('CALENDAR.INVALID_DATE', 'date'));
    expect(() => fedHolidayOn('1970-01-01')).toThrow(domainError('CALENDAR.YEAR_OUT_OF_RANGE', 'date'));
  });
});
