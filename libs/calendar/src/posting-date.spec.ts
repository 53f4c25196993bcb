import { POSTING_BUSINESS_DAYS, postingDate, type PaymentMethodType } from './posting-date';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

describe(postingDate.name, () => {
  it.each<[PaymentMethodType, string, string, string]>([
    // The brief's and docs/architecture.md's examples.
    [
      'ach',
      '2026-11-25T14:00:00-05:00',
      '2026-11-30',
      'Thanksgiving 11-26 skipped: Fri 27 is day 1, Mon 30 day 2',
    ],
    ['ach', '2026-11-23T10:00:00-05:00', '2026-11-25', 'Monday 10:00 ET posts Wednesday'],
    ['ach', '2026-11-25T22:00:00Z', '2026-12-01', 'after the cutoff: counts from Friday 27'],
    ['ach', '2026-07-02T14:00:00Z', '2026-07-06', 'Friday 07-03 is open although July 4 is Saturday'],
    ['ach', '2026-11-28T15:00:00Z', '2026-12-02', 'Saturday counts from Monday: Tue 1 is day 1, Wed 2 day 2'],
    ['wire', '2026-11-23T10:00:00-05:00', '2026-11-25', 'wire: 2 business days'],
    ['wire', '2027-07-02T14:00:00Z', '2027-07-07', 'wire over a Sunday holiday observed Monday'],
    ['check', '2026-11-23T10:00:00-05:00', '2026-12-01', 'check: 5 business days, over Thanksgiving'],
    ['check', '2026-12-22T15:00:00Z', '2026-12-30', 'check over Christmas'],
    ['card', '2026-11-23T10:00:00-05:00', '2026-11-23', 'card: same business day'],
    ['card', '2026-11-25T22:30:00Z', '2026-11-27', 'card after the cutoff before Thanksgiving'],
    ['card', '2026-11-28T15:00:00Z', '2026-11-30', 'card on a Saturday'],
  ])('%s at %s posts %s (%s)', (method, instant, expected) => {
    expect(postingDate(instant, method)).toBe(expected);
  });

  it('passes the cutoff and time zone options on', () => {
    // Monday 15:30 ET: before the default 17:00 cutoff, after a 15:00 one.
    expect(postingDate('2026-11-23T20:30:00Z', 'ach')).toBe('2026-11-25');
    expect(postingDate('2026-11-23T20:30:00Z', 'ach', { cutoff: '15:00' })).toBe('2026-11-27');
    expect(postingDate('2026-11-23T22:30:00Z', 'ach', { timeZone: 'America/Los_Angeles' })).toBe(
      '2026-11-25',
    );
  });

  it.each(['paypal', 'toString', ''])('refuses the unknown method %j', (method) => {
    expect(() => postingDate('2026-11-23T15:00:00Z', method as PaymentMethodType)).toThrow(
      domainError('CALENDAR.UNKNOWN_PAYMENT_METHOD', 'method'),
    );
  });

  it('refuses an invalid instant', () => {
    expect(() => postingDate('2026-11-23 10:00', 'ach')).toThrow(
      domainError('CALENDAR.INVALID_INSTANT', 'instant'),
    );
  });
});

describe('POSTING_BUSINESS_DAYS', () => {
  it('follows docs/architecture.md: ACH 2, wire 2, check 5, card 0', () => {
    expect(POSTING_BUSINESS_DAYS).toEqual({ ach: 2, wire: 2, check: 5, card: 0 });
    expect(Object.isFrozen(POSTING_BUSINESS_DAYS)).toBe(true);
  });
});
