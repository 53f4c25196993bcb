import * as calendar from '@remit/calendar';
import { DomainError } from '@remit/money';

describe('@remit/calendar', () => {
  it('exposes its public API through the path alias', () => {
    expect(Object.keys(calendar).sort()).toEqual(
      [
        'DEFAULT_CUTOFF',
        'DEFAULT_TIME_ZONE',
        'FED_CALENDAR_FIRST_YEAR',
        'FED_CALENDAR_LAST_YEAR',
        'JUNETEENTH_FIRST_YEAR',
        'PAYMENT_METHOD_TYPES',
        'POSTING_BUSINESS_DAYS',
        'addBusinessDays',
        'addCalendarDays',
        'businessDateOf',
        'calendarDateOfEpochDay',
        'calendarError',
        'dayOfWeekOf',
        'daysInMonth',
        'epochDayOf',
        'fedHolidayOn',
        'fedHolidays',
        'formatBusinessDate',
        'isBusinessDay',
        'isValidBusinessDateString',
        'localDateTimeOf',
        'nextBusinessDay',
        'parseBusinessDate',
        'parseCutoff',
        'postingDate',
        'previousBusinessDay',
        'toInstant',
      ].sort(),
    );
  });

  it('raises the shared DomainError of @remit/money', () => {
    expect(() => calendar.parseBusinessDate('2026-02-30')).toThrow(DomainError);
  });
});
