import { DomainError } from '@remit/money';

/**
 * The platform's fees (docs/architecture.md, "What the platform does"): "Any returned payment is charged a Return Fee
 * of $25.00. An account that receives paper bills is charged a Paper Invoice Fee of $10.00 on each paper
 * invoice." Amounts are integer cents; the policy can be overridden per deployment (feePolicyFrom).
 */
export type FeesErrorCode =
  /** A fee amount that is not integer cents above zero. */
  | 'FEES.INVALID_AMOUNT'
  /** An empty or blank fee description. */
  | 'FEES.INVALID_DESCRIPTION'
  /** An override for a fee this policy does not have (a typo in configuration). */
  | 'FEES.UNKNOWN_FEE'
  /** An empty or non-string payment or invoice id. */
  | 'FEES.INVALID_ID'
  /** A billing delivery other than `email` or `paper`. */
  | 'FEES.INVALID_BILLING_DELIVERY';

export interface FeeDefinition {
  readonly amountCents: number;
  /** The line description the customer sees on the invoice. */
  readonly description: string;
}

export interface FeePolicy {
  readonly returnFee: FeeDefinition;
  readonly paperInvoiceFee: FeeDefinition;
}

export type FeePolicyOverrides = {
  readonly [K in keyof FeePolicy]?: Partial<FeeDefinition>;
};

export const defaultFeePolicy: FeePolicy = Object.freeze({
  returnFee: Object.freeze({ amountCents: 2500, description: 'Return Fee' }),
  paperInvoiceFee: Object.freeze({ amountCents: 1000, description: 'Paper Invoice Fee' }),
});

const FEE_NAMES = Object.keys(defaultFeePolicy) as (keyof FeePolicy)[];

function feeDefinition(name: keyof FeePolicy, override: Partial<FeeDefinition> | undefined): FeeDefinition {
  const amountCents = override?.amountCents ?? defaultFeePolicy[name].amountCents;
  const description = override?.description ?? defaultFeePolicy[name].description;
  const amountField = `${name}.amountCents`;
  // Integer cents (never a float such as 25.0 dollars mistaken for cents), safe, and above zero.
  if (!Number.isSafeInteger(amountCents) || amountCents <= 0) {
    throw new DomainError(
      'FEES.INVALID_AMOUNT',
      `${amountField} must be integer cents above zero`,
      amountField,
    );
  }
  if (typeof description !== 'string' || description.trim().length === 0) {
    const field = `${name}.description`;
    throw new DomainError('FEES.INVALID_DESCRIPTION', `${field} must not be empty`, field);
  }
  return Object.freeze({ amountCents, description: description.trim() });
}

/**
 * The default policy with `overrides` applied, validated once (CONTRIBUTING.md, "Configuration validated once": configuration validated
 * at start): every amount integer cents > 0 (a zero or negative "fee" is a configuration error, not a
 * way to switch a fee off), every description non-blank (it is printed on the customer's invoice), and no
 * override for a fee that does not exist. Errors: FEES.INVALID_AMOUNT, FEES.INVALID_DESCRIPTION,
 * FEES.UNKNOWN_FEE, each with the field path (`returnFee.amountCents`).
 */
export function feePolicyFrom(overrides: FeePolicyOverrides = {}): FeePolicy {
  for (const name of Object.keys(overrides)) {
    if (!(FEE_NAMES as string[]).includes(name)) {
      throw new DomainError('FEES.UNKNOWN_FEE', `there is no fee named ${JSON.stringify(name)}`, name);
    }
  }
  return Object.freeze({
    returnFee: feeDefinition('returnFee', overrides.returnFee),
    paperInvoiceFee: feeDefinition('paperInvoiceFee', overrides.paperInvoiceFee),
  });
}
