import fc from 'fast-check';
import { addBusinessDays, isBusinessDay, nextBusinessDay } from './business-day';
import { DEFAULT_CUTOFF, businessDateOf, parseCutoff } from './business-date-of';
import { localDateTimeOf } from './zoned-time';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

describe(parseCutoff.name, () => {
  it.each([
    ['17:00', 17, 0],
    ['00:00', 0, 0],
    ['23:59', 23, 59],
    ['09:30', 9, 30],
  ])('%s -> %d:%d', (cutoff, hour, minute) => {
    expect(parseCutoff(cutoff)).toEqual({ hour, minute });
  });

  it.each(['24:00', '17:60', '5pm', '17:0', '7:00', '1700', ' 17:00', '17:00:00', ''])(
    'refuses %j',
    (cutoff) => {
      expect(() => parseCutoff(cutoff)).toThrow(domainError('CALENDAR.INVALID_CUTOFF', 'cutoff'));
    },
  );

  it('refuses a non-string (e.g. an unparsed config value)', () => {
    expect(() => parseCutoff(1700 as unknown as string)).toThrow(domainError('CALENDAR.INVALID_CUTOFF'));
  });

  it('the default cutoff is 17:00 (docs/architecture.md)', () => {
    expect(DEFAULT_CUTOFF).toBe('17:00');
  });
});

describe(businessDateOf.name, () => {
  it.each([
    // docs/architecture.md examples.
    ['2026-11-25T14:00:00-05:00', '2026-11-25', 'Wednesday 14:00 ET, before the cutoff'],
    ['2026-11-23T10:00:00-05:00', '2026-11-23', 'Monday 10:00 ET'],
    // One second either side of 17:00 in EST (UTC-5): 17:00 ET is 22:00Z.
    ['2026-11-24T21:59:59Z', '2026-11-24', 'EST 16:59:59'],
    ['2026-11-24T21:59:59.999Z', '2026-11-24', 'EST 16:59:59.999'],
    ['2026-11-24T22:00:00Z', '2026-11-25', 'EST 17:00:00 exactly counts as after the cutoff'],
    ['2026-11-24T22:00:01Z', '2026-11-25', 'EST 17:00:01'],
    ['2026-11-24T21:30:00Z', '2026-11-24', 'EST 16:30 (would be 17:30 if EDT were assumed)'],
    // One second either side of 17:00 in EDT (UTC-4): 17:00 ET is 21:00Z.
    ['2026-07-01T20:59:59Z', '2026-07-01', 'EDT 16:59:59'],
    ['2026-07-01T21:00:00Z', '2026-07-02', 'EDT 17:00:00'],
    ['2026-07-01T21:00:01Z', '2026-07-02', 'EDT 17:00:01'],
    ['2026-07-01T21:30:00Z', '2026-07-02', 'EDT 17:30 (would be 16:30 if EST were assumed)'],
    // Spring forward, Sunday 2026-03-08 02:00 EST -> 03:00 EDT.
    ['2026-03-06T21:59:59Z', '2026-03-06', 'Friday before, EST 16:59:59'],
    ['2026-03-06T22:00:00Z', '2026-03-09', 'Friday before, EST 17:00 -> Monday'],
    ['2026-03-08T04:59:59Z', '2026-03-09', 'Saturday 23:59:59 EST -> Monday'],
    ['2026-03-08T06:59:59Z', '2026-03-09', 'Sunday 01:59:59 EST -> Monday'],
    ['2026-03-08T07:00:00Z', '2026-03-09', 'Sunday 03:00 EDT -> Monday'],
    ['2026-03-09T20:59:59Z', '2026-03-09', 'Monday after, EDT 16:59:59'],
    ['2026-03-09T21:00:00Z', '2026-03-10', 'Monday after, EDT 17:00'],
    ['2026-03-09T21:59:59Z', '2026-03-10', 'Monday after, EDT 17:59:59 (16:59:59 in EST)'],
    // Fall back, Sunday 2026-11-01 02:00 EDT -> 01:00 EST.
    ['2026-10-30T20:59:59Z', '2026-10-30', 'Friday before, EDT 16:59:59'],
    ['2026-10-30T21:00:00Z', '2026-11-02', 'Friday before, EDT 17:00 -> Monday'],
    ['2026-11-01T05:30:00Z', '2026-11-02', 'Sunday 01:30 EDT -> Monday'],
    ['2026-11-01T06:30:00Z', '2026-11-02', 'Sunday 01:30 EST (repeated hour) -> Monday'],
    ['2026-11-02T21:30:00Z', '2026-11-02', 'Monday after, EST 16:30 (17:30 in EDT)'],
    ['2026-11-02T21:59:59Z', '2026-11-02', 'Monday after, EST 16:59:59'],
    ['2026-11-02T22:00:00Z', '2026-11-03', 'Monday after, EST 17:00'],
    // The New York date, not the UTC date.
    ['2026-11-25T03:00:00Z', '2026-11-25', 'Tuesday 22:00 ET (Wednesday in UTC) -> Wednesday'],
    ['2026-11-25T04:59:59Z', '2026-11-25', 'Tuesday 23:59:59 ET -> Wednesday'],
    ['2026-11-25T05:00:00Z', '2026-11-25', 'Wednesday 00:00 ET'],
    ['2026-11-26T02:00:00Z', '2026-11-27', 'Wednesday 21:00 ET -> Friday, over Thanksgiving'],
    // Holidays and weekends.
    ['2026-11-25T22:00:00Z', '2026-11-27', 'Wednesday 17:00 before Thanksgiving -> Friday'],
    ['2026-11-26T15:00:00Z', '2026-11-27', 'Thanksgiving morning -> Friday'],
    ['2026-07-03T15:00:00Z', '2026-07-03', 'Friday before a Saturday holiday is a business day'],
    ['2026-07-03T21:00:00Z', '2026-07-06', 'that Friday after the cutoff -> Monday'],
    ['2026-07-04T15:00:00Z', '2026-07-06', 'Saturday holiday -> Monday'],
    ['2026-11-27T22:00:00Z', '2026-11-30', 'Friday 17:00 -> Monday'],
    ['2026-11-28T15:00:00Z', '2026-11-30', 'Saturday -> Monday'],
    ['2026-11-29T23:00:00Z', '2026-11-30', 'Sunday 18:00 -> Monday'],
    ['2027-07-05T14:00:00Z', '2027-07-06', 'Monday observing a Sunday holiday -> Tuesday'],
    ['2027-12-31T21:00:00Z', '2027-12-31', "Friday before a Saturday New Year's Day, 16:00 EST"],
    ['2027-12-31T22:00:00Z', '2028-01-03', 'that Friday at 17:00 -> Monday, across the year'],
  ])('%s -> %s (%s)', (instant, expected) => {
    expect(businessDateOf(instant)).toBe(expected);
  });

  it('accepts a Date', () => {
    expect(businessDateOf(new Date('2026-11-24T22:00:00Z'))).toBe('2026-11-25');
    expect(businessDateOf(new Date('2026-11-24T21:59:59Z'))).toBe('2026-11-24');
  });

  it.each([
    ['15:30', '2026-11-24T20:29:59Z', '2026-11-24'],
    ['15:30', '2026-11-24T20:30:00Z', '2026-11-25'],
    ['00:00', '2026-11-24T05:00:00Z', '2026-11-25'],
    ['23:59', '2026-11-25T04:58:59Z', '2026-11-24'],
    ['23:59', '2026-11-25T04:59:00Z', '2026-11-25'],
  ])('with cutoff %s, %s -> %s', (cutoff, instant, expected) => {
    expect(businessDateOf(instant, { cutoff })).toBe(expected);
  });

  it('an undefined cutoff (unset config) means the default 17:00', () => {
    expect(businessDateOf('2026-11-24T22:00:00Z', { cutoff: undefined })).toBe('2026-11-25');
    expect(businessDateOf('2026-11-24T21:59:59Z', { cutoff: undefined })).toBe('2026-11-24');
  });

  it.each([
    ['America/Chicago', '2026-11-24T22:30:00Z', '2026-11-24', '16:30 CST'],
    ['America/New_York', '2026-11-24T22:30:00Z', '2026-11-25', '17:30 EST'],
    ['UTC', '2026-11-24T16:59:59Z', '2026-11-24', '16:59:59 UTC'],
    [
      'Asia/Tokyo',
      '2026-11-24T16:00:00Z',
      '2026-11-25',
      'Wednesday 01:00 in Tokyo, Tuesday 11:00 in New York',
    ],
  ])('in %s, %s -> %s (%s)', (timeZone, instant, expected) => {
    expect(businessDateOf(instant, { timeZone })).toBe(expected);
  });

  it.each([
    [
      'an instant without offset',
      () => businessDateOf('2026-11-25T14:00:00'),
      'CALENDAR.INVALID_INSTANT',
      'instant',
    ],
    [
      'an impossible date',
      () => businessDateOf('2026-02-30T14:00:00Z'),
      'CALENDAR.INVALID_INSTANT',
      'instant',
    ],
    [
      'a bad cutoff',
      () => businessDateOf('2026-11-25T14:00:00Z', { cutoff: '5pm' }),
      'CALENDAR.INVALID_CUTOFF',
      'cutoff',
    ],
    [
      'a bad time zone',
      () => businessDateOf('2026-11-25T14:00:00Z', { timeZone: 'Eastern' }),
      'CALENDAR.INVALID_TIME_ZONE',
      'timeZone',
    ],
    [
      'a year before the holiday rules',
      () => businessDateOf('1970-01-02T14:00:00Z'),
      'CALENDAR.YEAR_OUT_OF_RANGE',
      'date',
    ],
  ])('refuses %s', (_name, run, code, field) => {
    expect(run).toThrow(domainError(code, field));
  });

  describe('does not depend on the machine time zone', () => {
    // Jest cannot change the process zone from inside a test, so prove it another way: every Date method
    // that reads the machine's local time throws, and the answers stay the same.
    const localTimeMethods = [
      'getFullYear',
      'getMonth',
      'getDate',
      'getDay',
      'getHours',
      'getMinutes',
      'getSeconds',
      'getTimezoneOffset',
      'toString',
      'toDateString',
      'toTimeString',
      'toLocaleString',
      'toLocaleDateString',
      'toLocaleTimeString',
    ] as const;
    afterEach(() => jest.restoreAllMocks());

    it('uses no local-time Date method', () => {
      for (const method of localTimeMethods) {
        jest.spyOn(Date.prototype, method).mockImplementation(() => {
          throw new Error(`Date#${method} reads the machine time zone`);
        });
      }
      expect(() => new Date(0).getHours()).toThrow('machine time zone');
      expect(businessDateOf('2026-11-24T21:59:59Z')).toBe('2026-11-24');
      expect(businessDateOf('2026-11-24T22:00:00Z')).toBe('2026-11-25');
      expect(businessDateOf(new Date(Date.UTC(2026, 6, 1, 21, 0, 0)))).toBe('2026-07-02');
    });
  });

  it('is always a business day: the local date before the cutoff, otherwise the next one', () => {
    const instant = fc.date({
      min: new Date('2021-01-01T00:00:00Z'),
      max: new Date('2035-12-31T00:00:00Z'),
      noInvalidDate: true, // fast-check 4 also draws Invalid Date; its refusal is in zoned-time.spec.ts
    });
    fc.assert(
      fc.property(instant, (moment) => {
        const result = businessDateOf(moment);
        const local = localDateTimeOf(moment);
        expect(isBusinessDay(result)).toBe(true);
        if (local.hour >= 17) expect(result).toBe(nextBusinessDay(local.date));
        else expect(result).toBe(addBusinessDays(local.date, 0));
        // With a midnight cutoff every moment is after it.
        expect(businessDateOf(moment, { cutoff: '00:00' })).toBe(nextBusinessDay(local.date));
      }),
    );
  });
});
