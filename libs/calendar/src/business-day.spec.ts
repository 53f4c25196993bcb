import fc from 'fast-check';
import {
  addCalendarDays,
  calendarDateOfEpochDay,
  dayOfWeekOf,
  epochDayOf,
  formatBusinessDate,
  parseBusinessDate,
} from './business-date';
import { addBusinessDays, isBusinessDay, nextBusinessDay, previousBusinessDay } from './business-day';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

/** Any date from 2021 to 2035. */
const dateArbitrary = fc
  .integer({
    min: epochDayOf({ year: 2021, month: 1, day: 1 }),
    max: epochDayOf({ year: 2035, month: 12, day: 31 }),
  })
  .map((epochDay) => formatBusinessDate(calendarDateOfEpochDay(epochDay)));

describe(isBusinessDay.name, () => {
  it.each([
    ['2026-11-25', true, 'an ordinary Wednesday'],
    ['2026-11-26', false, 'Thanksgiving Day'],
    ['2026-11-27', true, 'the Friday after Thanksgiving (not a Fed holiday)'],
    ['2026-11-28', false, 'a Saturday'],
    ['2026-11-29', false, 'a Sunday'],
    ['2021-01-20', true, 'Inauguration Day (the Reserve Banks are open)'],
    ['2021-06-18', true, 'Friday before Juneteenth 2021 (Fed open; observed from 2022)'],
  ])('%s -> %s (%s)', (date, expected) => {
    expect(isBusinessDay(date)).toBe(expected);
  });

  // K.8 "*": for a Saturday holiday the Reserve Banks are open the preceding Friday.
  it.each([
    ['2021-12-24', 'Christmas 2021 is Saturday'],
    ['2021-12-31', "New Year's Day 2022 is Saturday"],
    ['2023-11-10', 'Veterans Day 2023 is Saturday'],
    ['2026-07-03', 'Independence Day 2026 is Saturday'],
    ['2027-06-18', 'Juneteenth 2027 is Saturday'],
    ['2027-12-24', 'Christmas 2027 is Saturday'],
    ['2027-12-31', "New Year's Day 2028 is Saturday"],
    ['2028-11-10', 'Veterans Day 2028 is Saturday'],
  ])('the Friday %s is a business day (%s)', (date) => {
    expect(dayOfWeekOf(parseBusinessDate(date))).toBe(5);
    expect(isBusinessDay(date)).toBe(true);
  });

  // K.8 "**": for a Sunday holiday all Federal Reserve offices are closed the following Monday.
  it.each([
    ['2021-07-05', 'Independence Day 2021 is Sunday'],
    ['2022-06-20', 'Juneteenth 2022 is Sunday'],
    ['2022-12-26', 'Christmas 2022 is Sunday'],
    ['2023-01-02', "New Year's Day 2023 is Sunday"],
    ['2027-07-05', 'Independence Day 2027 is Sunday'],
    ['2029-11-12', 'Veterans Day 2029 is Sunday'],
  ])('the Monday %s is not a business day (%s)', (date) => {
    expect(dayOfWeekOf(parseBusinessDate(date))).toBe(1);
    expect(isBusinessDay(date)).toBe(false);
  });

  it.each([
    // 2026: 261 weekdays, 10 of them holidays (Independence Day is a Saturday).
    [2026, 251],
    // 2027: 261 weekdays, 9 of them holidays (Juneteenth and Christmas are Saturdays; July 4 -> July 5).
    [2027, 252],
  ])('%d has %d business days', (year, expected) => {
    let count = 0;
    for (let date = `${year}-01-01`; date.startsWith(String(year)); date = addCalendarDays(date, 1)) {
      if (isBusinessDay(date)) count += 1;
    }
    expect(count).toBe(expected);
  });

  it.each(['2026-02-30', '2026-11-25T10:00:00Z', ''])('refuses %j with CALENDAR.INVALID_DATE', (date) => {
    expect(() => isBusinessDay(date)).toThrow(domainError('CALENDAR.INVALID_DATE', 'date'));
  });
});

describe(nextBusinessDay.name, () => {
  it.each([
    ['2026-11-25', '2026-11-27', 'skips Thanksgiving'],
    ['2026-11-27', '2026-11-30', 'skips the weekend'],
    ['2026-11-28', '2026-11-30', 'from a Saturday'],
    ['2026-07-02', '2026-07-03', 'the Friday before a Saturday holiday is open'],
    ['2026-07-03', '2026-07-06', 'a Saturday holiday adds no closure'],
    ['2022-12-23', '2022-12-27', 'skips the Monday after a Sunday Christmas'],
    ['2022-12-30', '2023-01-03', "skips the Monday after a Sunday New Year's Day, across the year"],
    ['2027-12-30', '2027-12-31', "New Year's Eve 2027 is open (Jan 1, 2028 is Saturday)"],
    ['2027-12-31', '2028-01-03', 'across the year'],
    ['2026-12-24', '2026-12-28', 'skips Christmas on a Friday and the weekend'],
    ['2027-07-02', '2027-07-06', 'skips the weekend and the observed Monday'],
  ])('%s -> %s (%s)', (date, expected) => {
    expect(nextBusinessDay(date)).toBe(expected);
  });

  it('refuses an invalid date', () => {
    expect(() => nextBusinessDay('2026-13-01')).toThrow(domainError('CALENDAR.INVALID_DATE'));
  });
});

describe(previousBusinessDay.name, () => {
  it.each([
    ['2026-11-27', '2026-11-25', 'skips Thanksgiving'],
    ['2026-11-30', '2026-11-27', 'skips the weekend'],
    ['2023-01-03', '2022-12-30', 'across the year and the observed Monday'],
    ['2028-01-03', '2027-12-31', 'the Friday before a Saturday New Year is open'],
    ['2026-07-06', '2026-07-03', 'the Friday before a Saturday holiday is open'],
    ['2027-07-06', '2027-07-02', 'skips the observed Monday and the weekend'],
    ['2029-11-13', '2029-11-09', 'skips Veterans Day observed on Monday'],
  ])('%s -> %s (%s)', (date, expected) => {
    expect(previousBusinessDay(date)).toBe(expected);
  });
});

describe(addBusinessDays.name, () => {
  it.each([
    ['2026-11-25', 0, '2026-11-25', 'zero days on a business day: the day itself'],
    ['2026-11-26', 0, '2026-11-27', 'zero days on a holiday: the next business day'],
    ['2026-11-28', 0, '2026-11-30', 'zero days on a Saturday: the Monday'],
    ['2026-11-23', 2, '2026-11-25', 'docs/architecture.md: Monday + 2'],
    ['2026-11-25', 1, '2026-11-27', 'Thanksgiving is not counted'],
    ['2026-11-25', 2, '2026-11-30', 'Friday is day 1, Monday day 2'],
    ['2026-11-28', 1, '2026-12-01', 'Saturday counts from Monday: + 1 is Tuesday'],
    ['2026-11-29', 2, '2026-12-02', 'Sunday counts from Monday: + 2 is Wednesday'],
    ['2026-11-26', 2, '2026-12-01', 'Thanksgiving counts from Friday: + 2 is Tuesday'],
    ['2026-12-23', 5, '2026-12-31', 'five days over Christmas'],
    ['2026-12-31', 1, '2027-01-04', "over New Year's Day on a Friday"],
    ['2026-11-20', 10, '2026-12-07', 'two weeks with Thanksgiving'],
    ['2026-01-02', 250, '2026-12-31', 'the other 250 business days of 2026'],
    ['2026-01-01', 250, '2026-12-31', "New Year's Day counts from January 2"],
  ])('%s + %d = %s (%s)', (date, businessDays, expected) => {
    expect(addBusinessDays(date, businessDays)).toBe(expected);
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses %d business days', (businessDays) => {
    expect(() => addBusinessDays('2026-11-25', businessDays)).toThrow(
      domainError('CALENDAR.INVALID_ARGUMENT', 'businessDays'),
    );
  });

  it('refuses an invalid date, even for zero days', () => {
    expect(() => addBusinessDays('2026-02-30', 0)).toThrow(domainError('CALENDAR.INVALID_DATE', 'date'));
  });

  it('always lands on a business day, one business day further per step', () => {
    fc.assert(
      fc.property(dateArbitrary, fc.integer({ min: 0, max: 30 }), (date, businessDays) => {
        const result = addBusinessDays(date, businessDays);
        expect(isBusinessDay(result)).toBe(true);
        expect(addBusinessDays(date, businessDays + 1)).toBe(nextBusinessDay(result));
        expect(result >= date).toBe(true);
        if (businessDays > 0) expect(result > date).toBe(true);
      }),
    );
  });

  it('next and previous business days invert each other on business days', () => {
    fc.assert(
      fc.property(dateArbitrary, (date) => {
        const next = nextBusinessDay(date);
        expect(previousBusinessDay(next) <= date).toBe(true);
        if (isBusinessDay(date)) expect(previousBusinessDay(next)).toBe(date);
      }),
    );
  });
});
