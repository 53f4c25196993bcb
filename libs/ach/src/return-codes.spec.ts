import { AchError } from './ach-error';
import {
  MAX_REPRESENTMENTS,
  REPRESENTMENT_WINDOW_DAYS,
  RETURN_CODES,
  getReturnCode,
  isReturnCode,
  lookupReturnCode,
  mayRepresent,
} from './return-codes';

const code = (n: number): string => `R${String(n).padStart(2, '0')}`;

/** R01-R85 minus the numbers the NACHA rules leave unassigned. */
const UNASSIGNED = [
  'R48',
  'R49',
  'R54',
  'R55',
  'R56',
  'R57',
  'R58',
  'R59',
  'R60',
  'R63',
  'R64',
  'R65',
  'R66',
  'R78',
  'R79',
];
const ASSIGNED = Array.from({ length: 85 }, (_, i) => code(i + 1)).filter((c) => !UNASSIGNED.includes(c));

describe(lookupReturnCode.name, () => {
  it('holds every assigned code of R01-R85 and nothing else', () => {
    expect(RETURN_CODES.map((info) => info.code)).toEqual(ASSIGNED);
    expect(RETURN_CODES).toHaveLength(70);
  });

  it.each(ASSIGNED)('%s has a description and a return window', (returnCode) => {
    const info = lookupReturnCode(returnCode);
    expect(info?.code).toBe(returnCode);
    expect(info?.description.length).toBeGreaterThan(5);
    expect(['banking_days', 'calendar_days', 'not_defined']).toContain(info?.returnWindow.kind);
  });

  it.each([...UNASSIGNED, 'R00', 'R86', 'R96', 'R97', 'r01', 'R1', 'C01', '', 'R010'])(
    '%p is not a NACHA return code',
    (returnCode) => {
      expect(lookupReturnCode(returnCode)).toBeUndefined();
      expect(isReturnCode(returnCode)).toBe(false);
      expect(() => getReturnCode(returnCode)).toThrow(AchError);
    },
  );

  it.each([
    ['R01', 'Insufficient Funds'],
    ['R02', 'Account Closed'],
    ['R03', 'No Account/Unable to Locate Account'],
    ['R07', 'Authorization Revoked by Customer'],
    ['R29', 'Corporate Customer Advises Not Authorized'],
    ['R68', 'Untimely Return'],
    ['R85', 'Incorrectly Coded Outbound International Payment'],
  ])('%s is "%s"', (returnCode, description) => {
    expect(getReturnCode(returnCode).description).toBe(description);
    expect(isReturnCode(returnCode)).toBe(true);
  });

  it('getReturnCode throws ACH.RETURN_CODE_UNKNOWN with the field', () => {
    expect(() => getReturnCode('R99')).toThrow(
      expect.objectContaining({ code: 'ACH.RETURN_CODE_UNKNOWN', field: 'returnCode' }),
    );
  });

  it('entries are frozen', () => {
    expect(Object.isFrozen(getReturnCode('R01'))).toBe(true);
    expect(Object.isFrozen(RETURN_CODES)).toBe(true);
  });
});

describe('return code flags', () => {
  const withFlag = (flag: 'mayRepresent' | 'disablesAccount' | 'revokesAuthorization'): string[] =>
    RETURN_CODES.filter((info) => info[flag]).map((info) => info.code);

  it('only R01 and R09 may be re-presented', () => {
    expect(withFlag('mayRepresent')).toEqual(['R01', 'R09']);
  });

  it('exactly R05, R07, R08, R10, R29, R51 revoke the authorization (stop autopay)', () => {
    expect(withFlag('revokesAuthorization')).toEqual(['R05', 'R07', 'R08', 'R10', 'R29', 'R51']);
  });

  it('account-level codes disable the saved account', () => {
    expect(withFlag('disablesAccount')).toEqual([
      'R02',
      'R03',
      'R04',
      'R12',
      'R13',
      'R14',
      'R15',
      'R16',
      'R20',
      'R28',
    ]);
  });

  it.each([
    ['R01', { mayRepresent: true, disablesAccount: false, revokesAuthorization: false }],
    ['R09', { mayRepresent: true, disablesAccount: false, revokesAuthorization: false }],
    ['R02', { mayRepresent: false, disablesAccount: true, revokesAuthorization: false }],
    ['R03', { mayRepresent: false, disablesAccount: true, revokesAuthorization: false }],
    ['R04', { mayRepresent: false, disablesAccount: true, revokesAuthorization: false }],
    ['R07', { mayRepresent: false, disablesAccount: false, revokesAuthorization: true }],
    ['R10', { mayRepresent: false, disablesAccount: false, revokesAuthorization: true }],
    ['R11', { mayRepresent: false, disablesAccount: false, revokesAuthorization: false }],
    ['R16', { mayRepresent: false, disablesAccount: true, revokesAuthorization: false }],
    ['R24', { mayRepresent: false, disablesAccount: false, revokesAuthorization: false }],
  ])('%s flags', (returnCode, flags) => {
    expect(getReturnCode(returnCode)).toMatchObject(flags);
  });
});

describe('return windows', () => {
  it.each([
    ['R01', { kind: 'banking_days', days: 2 }],
    ['R02', { kind: 'banking_days', days: 2 }],
    ['R08', { kind: 'banking_days', days: 2 }],
    ['R29', { kind: 'banking_days', days: 2 }],
    ['R05', { kind: 'calendar_days', days: 60 }],
    ['R07', { kind: 'calendar_days', days: 60 }],
    ['R10', { kind: 'calendar_days', days: 60 }],
    ['R11', { kind: 'calendar_days', days: 60 }],
    ['R33', { kind: 'calendar_days', days: 60 }],
    ['R37', { kind: 'calendar_days', days: 60 }],
    ['R38', { kind: 'calendar_days', days: 60 }],
    ['R51', { kind: 'calendar_days', days: 60 }],
    ['R52', { kind: 'calendar_days', days: 60 }],
    ['R53', { kind: 'calendar_days', days: 60 }],
    ['R06', { kind: 'not_defined' }],
    ['R31', { kind: 'not_defined' }],
    ['R68', { kind: 'banking_days', days: 5 }],
    ['R71', { kind: 'banking_days', days: 2 }],
  ])('%s: %o', (returnCode, window) => {
    expect(getReturnCode(returnCode).returnWindow).toEqual(window);
  });

  it('the 60-day extended returns are exactly the unauthorised-debit and check-adjustment codes', () => {
    const extended = RETURN_CODES.filter((info) => info.returnWindow.kind === 'calendar_days').map(
      (i) => i.code,
    );
    expect(extended).toEqual(['R05', 'R07', 'R10', 'R11', 'R33', 'R37', 'R38', 'R51', 'R52', 'R53']);
  });

  it.each([
    ['R01', 'return'],
    ['R53', 'return'],
    ['R61', 'dishonored_return'],
    ['R70', 'dishonored_return'],
    ['R71', 'contested_dishonored_return'],
    ['R77', 'contested_dishonored_return'],
    ['R80', 'return'],
  ])('%s is a %s', (returnCode, category) => {
    expect(getReturnCode(returnCode).category).toBe(category);
  });
});

describe(mayRepresent.name, () => {
  it('allows two re-presentments within 180 days', () => {
    expect(MAX_REPRESENTMENTS).toBe(2);
    expect(REPRESENTMENT_WINDOW_DAYS).toBe(180);
  });

  it.each([
    ['R01', 0, 0, true],
    ['R01', 1, 30, true],
    ['R09', 1, 180, true],
    ['R01', 2, 10, false],
    ['R09', 3, 10, false],
    ['R01', 0, 181, false],
    ['R02', 0, 1, false],
    ['R07', 0, 1, false],
    ['R10', 0, 1, false],
    ['R99', 0, 1, false],
    ['r01', 0, 1, false],
  ])('%s after %i re-presentments and %i days: %p', (returnCode, previous, days, expected) => {
    expect(mayRepresent(returnCode, previous, days)).toBe(expected);
  });

  it.each([
    [-1, 0, 'previousRepresentments'],
    [0.5, 0, 'previousRepresentments'],
    [0, -3, 'daysSinceOriginal'],
    [0, Number.NaN, 'daysSinceOriginal'],
  ])('refuses counts %p / %p', (previous, days, field) => {
    expect(() => mayRepresent('R01', previous, days)).toThrow(
      expect.objectContaining({ code: 'ACH.INVALID_ARGUMENT', field }),
    );
  });
});
