import { AchError } from './ach-error';

/**
 * NACHA return reason codes, Nacha Operating Rules Appendix Four (Return Entries), Part 4.2 "Table of
 * Return Reason Codes". Every code assigned in R01-R85 is here; R48, R49, R54-R60, R63-R66, R78 and R79
 * are not assigned (R63-R66 were dishonored-return codes folded into R69 "Field Error(s)") and are absent
 * on purpose, so a file carrying one of them is refused unless the bank's custom codes are configured.
 */

/**
 * How long the RDFI (or, for dishonored and contested returns, the ODFI / RDFI) has to send the return,
 * counted from the Settlement Date of the entry being returned: the "time frame" column of Appendix Four
 * Part 4.2 (deadlines in Article Three, "Timing Requirements for Return Entries").
 * - banking_days 2: the general deadline (the return reaches the ODFI by opening of business on the second
 *   banking day after settlement); also the upper bound for returns an ACH Operator makes on its next file
 *   delivery (R13, R18, R19, ...).
 * - calendar_days 60: extended return entries: unauthorised / improper consumer debits (R05, R07, R10,
 *   R11) and the check-related adjustment entries (R33, R37, R38, R51, R52, R53).
 * - banking_days 5: dishonored returns (ODFI, after the return's settlement); contested dishonored
 *   returns have 2 banking days after the dishonored return's settlement.
 * - not_defined: the Rules set no deadline: agreed between ODFI and RDFI (R06, R31), upon the receiver's
 *   refusal (R23), or at the Federal Government Agency's discretion (ENR, R40-R47).
 */
export type ReturnWindow =
  { kind: 'banking_days'; days: number } | { kind: 'calendar_days'; days: number } | { kind: 'not_defined' };

/** What kind of entry carries the code, which also decides the layout of its addenda 99 record. */
export type ReturnCodeCategory = 'return' | 'dishonored_return' | 'contested_dishonored_return';

export interface ReturnCodeInfo {
  code: NachaReturnCode;
  /** The NACHA title of the code. */
  description: string;
  category: ReturnCodeCategory;
  /** The originator may reinitiate (re-present) the debit: R01 and R09 only, see `mayRepresent()`. */
  mayRepresent: boolean;
  /** The bank account itself is unusable (closed, unknown, frozen, ...): disable the saved method. */
  disablesAccount: boolean;
  /** The receiver withdrew or never gave the authorization: stop autopay and require a new one. */
  revokesAuthorization: boolean;
  returnWindow: ReturnWindow;
}

/** Re-presentment limits, Nacha Rules Subsection 2.12.4 (Reinitiation of Returned Entries). */
export const MAX_REPRESENTMENTS = 2;
export const REPRESENTMENT_WINDOW_DAYS = 180;

const TWO_BANKING_DAYS: ReturnWindow = { kind: 'banking_days', days: 2 };
const SIXTY_CALENDAR_DAYS: ReturnWindow = { kind: 'calendar_days', days: 60 };
const FIVE_BANKING_DAYS: ReturnWindow = { kind: 'banking_days', days: 5 };
const NOT_DEFINED: ReturnWindow = { kind: 'not_defined' };

type Flag = 'represent' | 'account' | 'authorization';
type Row = readonly [description: string, window: ReturnWindow, flags?: readonly Flag[]];

const RETURN_CODE_ROWS = {
  R01: ['Insufficient Funds', TWO_BANKING_DAYS, ['represent']],
  R02: ['Account Closed', TWO_BANKING_DAYS, ['account']],
  R03: ['No Account/Unable to Locate Account', TWO_BANKING_DAYS, ['account']],
  R04: ['Invalid Account Number Structure', TWO_BANKING_DAYS, ['account']],
  R05: [
    'Unauthorized Debit to Consumer Account Using Corporate SEC Code',
    SIXTY_CALENDAR_DAYS,
    ['authorization'],
  ],
  R06: ["Returned per ODFI's Request", NOT_DEFINED],
  R07: ['Authorization Revoked by Customer', SIXTY_CALENDAR_DAYS, ['authorization']],
  // A stop payment is not an extended return (two banking days), but the receiver has told its bank to
  // refuse the originator's debits: autopay must stop until the customer acts.
  R08: ['Payment Stopped', TWO_BANKING_DAYS, ['authorization']],
  R09: ['Uncollected Funds', TWO_BANKING_DAYS, ['represent']],
  R10: [
    "Customer Advises Originator is Not Known to Receiver and/or Originator is Not Authorized by Receiver to Debit Receiver's Account",
    SIXTY_CALENDAR_DAYS,
    ['authorization'],
  ],
  // R11: an authorization exists but the entry did not follow it; the originator may correct and send a
  // new entry without a new authorization (2021 rule), so it does not revoke.
  R11: ['Customer Advises Entry Not in Accordance with the Terms of the Authorization', SIXTY_CALENDAR_DAYS],
  R12: ['Account Sold to Another DFI', TWO_BANKING_DAYS, ['account']],
  R13: ['Invalid ACH Routing Number', TWO_BANKING_DAYS, ['account']],
  R14: [
    'Representative Payee Deceased or Unable to Continue in That Capacity',
    TWO_BANKING_DAYS,
    ['account'],
  ],
  R15: [
    'Beneficiary or Account Holder (Other Than a Representative Payee) Deceased',
    TWO_BANKING_DAYS,
    ['account'],
  ],
  R16: ['Account Frozen/Entry Returned per OFAC Instruction', TWO_BANKING_DAYS, ['account']],
  R17: [
    'File Record Edit Criteria/Entry with Invalid Account Number Initiated Under Questionable Circumstances/Return of Improperly-Initiated Reversal',
    TWO_BANKING_DAYS,
  ],
  R18: ['Improper Effective Entry Date', TWO_BANKING_DAYS],
  R19: ['Amount Field Error', TWO_BANKING_DAYS],
  R20: ['Non-Transaction Account', TWO_BANKING_DAYS, ['account']],
  R21: ['Invalid Company Identification', TWO_BANKING_DAYS],
  R22: ['Invalid Individual ID Number', TWO_BANKING_DAYS],
  R23: ['Credit Entry Refused by Receiver', NOT_DEFINED],
  R24: ['Duplicate Entry', TWO_BANKING_DAYS],
  R25: ['Addenda Error', TWO_BANKING_DAYS],
  R26: ['Mandatory Field Error', TWO_BANKING_DAYS],
  R27: ['Trace Number Error', TWO_BANKING_DAYS],
  // A routing number whose check digit fails cannot be used again as it is.
  R28: ['Routing Number Check Digit Error', TWO_BANKING_DAYS, ['account']],
  // Corporate (non-consumer) accounts get no extended return: two banking days.
  R29: ['Corporate Customer Advises Not Authorized', TWO_BANKING_DAYS, ['authorization']],
  R30: ['RDFI Not Participant in Check Truncation Program', TWO_BANKING_DAYS],
  R31: ['Permissible Return Entry (CCD and CTX only)', NOT_DEFINED],
  R32: ['RDFI Non-Settlement', TWO_BANKING_DAYS],
  R33: ['Return of XCK Entry', SIXTY_CALENDAR_DAYS],
  R34: ['Limited Participation DFI', TWO_BANKING_DAYS],
  R35: ['Return of Improper Debit Entry', TWO_BANKING_DAYS],
  R36: ['Return of Improper Credit Entry', TWO_BANKING_DAYS],
  R37: ['Source Document Presented for Payment', SIXTY_CALENDAR_DAYS],
  R38: ['Stop Payment on Source Document', SIXTY_CALENDAR_DAYS],
  R39: ['Improper Source Document/Source Document Presented for Payment', TWO_BANKING_DAYS],
  R40: ['Return of ENR Entry by Federal Government Agency (ENR only)', NOT_DEFINED],
  R41: ['Invalid Transaction Code (ENR only)', NOT_DEFINED],
  R42: ['Routing Number/Check Digit Error (ENR only)', NOT_DEFINED],
  R43: ['Invalid DFI Account Number (ENR only)', NOT_DEFINED],
  R44: ['Invalid Individual ID Number/Identification Number (ENR only)', NOT_DEFINED],
  R45: ['Invalid Individual Name/Company Name (ENR only)', NOT_DEFINED],
  R46: ['Invalid Representative Payee Indicator (ENR only)', NOT_DEFINED],
  R47: ['Duplicate Enrollment (ENR only)', NOT_DEFINED],
  R50: ['State Law Affecting RCK Acceptance', TWO_BANKING_DAYS],
  R51: [
    'Item Related to RCK Entry is Ineligible or RCK Entry is Improper',
    SIXTY_CALENDAR_DAYS,
    ['authorization'],
  ],
  R52: ['Stop Payment on Item Related to RCK Entry', SIXTY_CALENDAR_DAYS],
  R53: ['Item and RCK Entry Presented for Payment', SIXTY_CALENDAR_DAYS],
  // Dishonored returns, sent by the ODFI within five banking days of the return's settlement.
  R61: ['Misrouted Return', FIVE_BANKING_DAYS],
  R62: ['Return of Erroneous or Reversing Debit', FIVE_BANKING_DAYS],
  R67: ['Duplicate Return', FIVE_BANKING_DAYS],
  R68: ['Untimely Return', FIVE_BANKING_DAYS],
  R69: ['Field Error(s)', FIVE_BANKING_DAYS],
  R70: ['Permissible Return Entry Not Accepted/Return Not Requested by ODFI', FIVE_BANKING_DAYS],
  // Contested dishonored returns, sent by the RDFI within two banking days of the dishonored return.
  R71: ['Misrouted Dishonored Return', TWO_BANKING_DAYS],
  R72: ['Untimely Dishonored Return', TWO_BANKING_DAYS],
  R73: ['Timely Original Return', TWO_BANKING_DAYS],
  R74: ['Corrected Return', TWO_BANKING_DAYS],
  R75: ['Return Not a Duplicate', TWO_BANKING_DAYS],
  R76: ['No Errors Found', TWO_BANKING_DAYS],
  R77: ['Non-Acceptance of R62 Dishonored Return', TWO_BANKING_DAYS],
  // International (IAT) returns by the Gateway or RDFI.
  R80: ['IAT Entry Coding Error', TWO_BANKING_DAYS],
  R81: ['Non-Participant in IAT Program', TWO_BANKING_DAYS],
  R82: ['Invalid Foreign Receiving DFI Identification', TWO_BANKING_DAYS],
  R83: ['Foreign Receiving DFI Unable to Settle', TWO_BANKING_DAYS],
  R84: ['Entry Not Processed by Gateway', TWO_BANKING_DAYS],
  R85: ['Incorrectly Coded Outbound International Payment', TWO_BANKING_DAYS],
} as const satisfies Record<string, Row>;

export type NachaReturnCode = keyof typeof RETURN_CODE_ROWS;

function categoryOf(code: NachaReturnCode): ReturnCodeCategory {
  const n = Number(code.slice(1));
  if (n >= 61 && n <= 70) return 'dishonored_return';
  if (n >= 71 && n <= 77) return 'contested_dishonored_return';
  return 'return';
}

const TABLE: ReadonlyMap<string, ReturnCodeInfo> = new Map(
  (Object.entries(RETURN_CODE_ROWS) as [NachaReturnCode, Row][]).map(
    ([code, [description, window, flags]]) => {
      const has = (flag: Flag): boolean => flags?.includes(flag) ?? false;
      const info: ReturnCodeInfo = Object.freeze({
        code,
        description,
        category: categoryOf(code),
        mayRepresent: has('represent'),
        disablesAccount: has('account'),
        revokesAuthorization: has('authorization'),
        returnWindow: window,
      });
      return [code, info];
    },
  ),
);

/** Every NACHA return code, in code order. */
export const RETURN_CODES: readonly ReturnCodeInfo[] = Object.freeze([...TABLE.values()]);

/** Exact match: return codes are upper case ('R01'), as they appear in NACHA files. */
export function isReturnCode(code: string): code is NachaReturnCode {
  return TABLE.has(code);
}

export function lookupReturnCode(code: string): ReturnCodeInfo | undefined {
  return TABLE.get(code);
}

/** Like lookupReturnCode, but an unknown code is an error (ACH.RETURN_CODE_UNKNOWN). */
export function getReturnCode(code: string): ReturnCodeInfo {
  const info = TABLE.get(code);
  if (!info) {
    throw new AchError('ACH.RETURN_CODE_UNKNOWN', `${String(code)} is not a NACHA return reason code`, {
      field: 'returnCode',
    });
  }
  return info;
}

function assertCount(value: number, name: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new AchError('ACH.INVALID_ARGUMENT', `${name} must be a non-negative integer`, { field: name });
  }
}

/**
 * Whether a debit returned with `code` may be presented again. Nacha Rules Subsection 2.12.4: an entry
 * returned for insufficient or uncollected funds (R01, R09) may be reinitiated at most twice after the
 * original presentment, within 180 days after the Settlement Date of the original entry.
 *
 * @param previousRepresentments how many times the entry was already re-presented (0 after the first return)
 * @param daysSinceOriginal calendar days from the original entry's settlement date to the new presentment
 */
export function mayRepresent(
  code: string,
  previousRepresentments: number,
  daysSinceOriginal: number,
): boolean {
  assertCount(previousRepresentments, 'previousRepresentments');
  assertCount(daysSinceOriginal, 'daysSinceOriginal');
  const info = TABLE.get(code);
  if (!info?.mayRepresent) return false;
  return previousRepresentments < MAX_REPRESENTMENTS && daysSinceOriginal <= REPRESENTMENT_WINDOW_DAYS;
}
