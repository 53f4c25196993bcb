import { DEFAULT_TIME_ZONE, localDateTimeOf, toInstant } from './zoned-time';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

describe(toInstant.name, () => {
  it.each([
    ['2026-11-25T19:00:00Z', '2026-11-25T19:00:00.000Z'],
    ['2026-11-25T19:00:00.123Z', '2026-11-25T19:00:00.123Z'],
    ['2026-11-25T14:00:00-05:00', '2026-11-25T19:00:00.000Z'],
    ['2026-11-25T14:00-05:00', '2026-11-25T19:00:00.000Z'],
    ['2026-11-26T04:00:00+09:00', '2026-11-25T19:00:00.000Z'],
    ['2026-11-25T19:00:00+00:00', '2026-11-25T19:00:00.000Z'],
  ])('reads %s', (text, expected) => {
    expect(toInstant(text).toISOString()).toBe(expected);
  });

  it('copies a Date, so the caller cannot change it afterwards', () => {
    const input = new Date('2026-11-25T19:00:00Z');
    const result = toInstant(input);
    expect(result).toEqual(input);
    expect(result).not.toBe(input);
  });

  it.each([
    ['no UTC offset (would be read in the machine zone)', '2026-11-25T14:00:00'],
    ['a date only', '2026-11-25'],
    ['February 30 (Date.parse would roll it over)', '2026-02-30T10:00:00Z'],
    ['hour 24', '2026-11-25T24:00:00Z'],
    ['minute 60', '2026-11-25T14:60:00Z'],
    ['second 60', '2026-11-25T14:00:60Z'],
    ['offset hour 24', '2026-11-25T14:00:00+24:00'],
    ['offset minute 60', '2026-11-25T14:00:00+05:60'],
    ['a lower-case z', '2026-11-25T14:00:00z'],
    ['a word', 'now'],
    ['empty', ''],
    ['an invalid Date', new Date(Number.NaN)],
    ['a number', 1795633200000 as unknown as string],
  ])('refuses %s', (_name, instant) => {
    expect(() => toInstant(instant, 'submittedAt')).toThrow(
      domainError('CALENDAR.INVALID_INSTANT', 'submittedAt'),
    );
  });

  it('names the field instant by default', () => {
    expect(() => toInstant('x')).toThrow(domainError('CALENDAR.INVALID_INSTANT', 'instant'));
  });
});

describe(localDateTimeOf.name, () => {
  it('defaults to America/New_York', () => {
    expect(DEFAULT_TIME_ZONE).toBe('America/New_York');
    expect(localDateTimeOf('2026-11-25T19:00:00Z')).toEqual({
      date: '2026-11-25',
      hour: 14,
      minute: 0,
      second: 0,
    });
  });

  it.each([
    ['2026-03-08T06:59:59Z', '2026-03-08', 1, 59, 59, 'last second of EST before spring forward'],
    ['2026-03-08T07:00:00Z', '2026-03-08', 3, 0, 0, 'first second of EDT: 02:00 does not exist'],
    ['2026-11-01T05:30:00Z', '2026-11-01', 1, 30, 0, '01:30 EDT, before falling back'],
    ['2026-11-01T06:30:00Z', '2026-11-01', 1, 30, 0, '01:30 EST, the repeated hour'],
    ['2026-11-25T05:00:00Z', '2026-11-25', 0, 0, 0, 'midnight is 00, not 24'],
    ['2026-11-25T04:59:59Z', '2026-11-24', 23, 59, 59, 'still the previous day in New York'],
    ['2026-07-01T21:00:00Z', '2026-07-01', 17, 0, 0, '17:00 EDT is 21:00Z'],
    ['2026-11-24T22:00:00Z', '2026-11-24', 17, 0, 0, '17:00 EST is 22:00Z'],
  ])('%s is %s %d:%d:%d in New York (%s)', (instant, date, hour, minute, second) => {
    expect(localDateTimeOf(instant)).toEqual({ date, hour, minute, second });
  });

  it.each([
    ['America/Chicago', '2026-11-25', 13],
    ['America/Los_Angeles', '2026-11-25', 11],
    ['UTC', '2026-11-25', 19],
    ['Asia/Tokyo', '2026-11-26', 4],
  ])('in %s', (timeZone, date, hour) => {
    expect(localDateTimeOf('2026-11-25T19:00:00Z', timeZone)).toMatchObject({ date, hour });
  });

  it.each(['America/NewYork', 'Mars/Olympus_Mons', ''])('refuses the time zone %j', (timeZone) => {
    expect(() => localDateTimeOf('2026-11-25T19:00:00Z', timeZone)).toThrow(
      domainError('CALENDAR.INVALID_TIME_ZONE', 'timeZone'),
    );
  });
});
