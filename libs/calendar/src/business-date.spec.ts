import fc from 'fast-check';
import {
  addCalendarDays,
  calendarDateOfEpochDay,
  dayOfWeekOf,
  daysInMonth,
  epochDayOf,
  formatBusinessDate,
  isValidBusinessDateString,
  parseBusinessDate,
} from './business-date';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

const MS_PER_DAY = 86_400_000;

describe(isValidBusinessDateString.name, () => {
  it.each([
    ['2026-11-25', 'an ordinary date'],
    ['2024-02-29', 'a leap day'],
    ['2000-02-29', 'a leap day in a year divisible by 400'],
    ['2026-12-31', 'the last day of a year'],
    ['0001-01-01', 'the first representable day'],
    ['9999-12-31', 'the last representable day'],
  ])('accepts %s (%s)', (text) => {
    expect(isValidBusinessDateString(text)).toBe(true);
  });

  it.each<[unknown, string]>([
    ['2026-02-30', 'February 30'],
    ['2025-02-29', 'a leap day in a common year'],
    ['1900-02-29', 'a leap day in a century year not divisible by 400'],
    ['2026-04-31', 'April 31'],
    ['2026-13-01', 'month 13'],
    ['2026-00-10', 'month 0'],
    ['2026-01-00', 'day 0'],
    ['2026-01-32', 'day 32'],
    ['0000-01-01', 'year zero'],
    ['2026-2-3', 'missing zeros'],
    ['2026/02/03', 'slashes'],
    ['20260203', 'no dashes'],
    ['2026-02-03T00:00:00Z', 'a date-time'],
    [' 2026-02-03', 'a leading space'],
    ['', 'empty'],
    [20260203, 'a number'],
    [null, 'null'],
  ])('refuses %j (%s)', (text) => {
    expect(isValidBusinessDateString(text)).toBe(false);
  });
});

describe(parseBusinessDate.name, () => {
  it('reads the parts of a date', () => {
    expect(parseBusinessDate('2026-11-25')).toEqual({ year: 2026, month: 11, day: 25 });
  });

  it.each(['2026-02-30', '2026-2-3', 'tomorrow'])(
    'refuses %s with CALENDAR.INVALID_DATE and the field',
    (text) => {
      expect(() => parseBusinessDate(text, 'dueDate')).toThrow(
        domainError('CALENDAR.INVALID_DATE', 'dueDate'),
      );
    },
  );

  it('names the field date by default', () => {
    expect(() => parseBusinessDate('2026-02-30')).toThrow(domainError('CALENDAR.INVALID_DATE', 'date'));
  });
});

describe(formatBusinessDate.name, () => {
  it.each([
    [{ year: 2026, month: 7, day: 3 }, '2026-07-03'],
    [{ year: 1, month: 1, day: 1 }, '0001-01-01'],
  ])('%j -> %s', (date, expected) => {
    expect(formatBusinessDate(date)).toBe(expected);
  });
});

describe(daysInMonth.name, () => {
  it.each([
    [2026, 1, 31],
    [2026, 2, 28],
    [2024, 2, 29],
    [1900, 2, 28],
    [2000, 2, 29],
    [2026, 4, 30],
    [2026, 6, 30],
    [2026, 9, 30],
    [2026, 11, 30],
    [2026, 12, 31],
  ])('%d-%d has %d days', (year, month, days) => {
    expect(daysInMonth(year, month)).toBe(days);
  });
});

describe(epochDayOf.name, () => {
  it.each([
    ['1970-01-01', 0],
    ['1969-12-31', -1],
    ['2000-03-01', 11017],
    ['2026-11-25', 20782],
  ])('%s is epoch day %d', (date, expected) => {
    expect(epochDayOf(parseBusinessDate(date))).toBe(expected);
  });

  it('agrees with Date for every day in years 0001-9999, and round-trips', () => {
    const first = epochDayOf({ year: 1, month: 1, day: 1 });
    const last = epochDayOf({ year: 9999, month: 12, day: 31 });
    fc.assert(
      fc.property(fc.integer({ min: first, max: last }), (epochDay) => {
        const date = calendarDateOfEpochDay(epochDay);
        expect(formatBusinessDate(date)).toBe(new Date(epochDay * MS_PER_DAY).toISOString().slice(0, 10));
        expect(epochDayOf(date)).toBe(epochDay);
      }),
      { numRuns: 2000 },
    );
  });
});

describe(dayOfWeekOf.name, () => {
  it.each([
    ['1970-01-01', 4, 'Thursday'],
    ['1969-12-28', 0, 'Sunday'],
    ['2026-11-25', 3, 'Wednesday'],
    ['2026-11-28', 6, 'Saturday'],
    ['2026-11-29', 0, 'Sunday'],
    ['2026-11-30', 1, 'Monday'],
    ['1900-01-01', 1, 'Monday'],
  ])('%s is day %d (%s)', (date, expected) => {
    expect(dayOfWeekOf(parseBusinessDate(date))).toBe(expected);
  });
});

describe(addCalendarDays.name, () => {
  it.each([
    ['2026-11-25', 1, '2026-11-26'],
    ['2026-11-30', 1, '2026-12-01'],
    ['2026-12-31', 1, '2027-01-01'],
    ['2024-02-28', 1, '2024-02-29'],
    ['2026-03-01', -1, '2026-02-28'],
    ['2026-11-25', 0, '2026-11-25'],
    ['2026-11-25', 365, '2027-11-25'],
  ])('%s + %d = %s', (date, days, expected) => {
    expect(addCalendarDays(date, days)).toBe(expected);
  });

  it.each([
    ['9999-12-31', 1],
    ['0001-01-01', -1],
  ])('refuses to leave years 0001-9999 (%s %+d)', (date, days) => {
    expect(() => addCalendarDays(date, days)).toThrow(domainError('CALENDAR.YEAR_OUT_OF_RANGE', 'date'));
  });

  it.each([0.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d days', (days) => {
    expect(() => addCalendarDays('2026-11-25', days)).toThrow(
      domainError('CALENDAR.INVALID_ARGUMENT', 'days'),
    );
  });

  it('refuses an invalid start date', () => {
    expect(() => addCalendarDays('2026-02-30', 1, 'from')).toThrow(
      domainError('CALENDAR.INVALID_DATE', 'from'),
    );
  });
});
