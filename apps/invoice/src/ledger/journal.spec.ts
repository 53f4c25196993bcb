import { assertBalanced, customerBalanceDelta } from './journal';

describe(assertBalanced.name, () => {
  const base = { journalId: 'j-1', customerId: 'c-1', memo: 'test' };

  it('accepts a balanced journal and returns its totals', () => {
    expect(
      assertBalanced({
        ...base,
        lines: [
          { account: 'cash_clearing', debitCents: 34618 },
          { account: 'accounts_receivable', creditCents: 30000 },
          { account: 'customer_credit', creditCents: 4618 },
        ],
      }),
    ).toEqual({ debitCents: 34618, creditCents: 34618 });
  });

  it.each([
    [
      'unbalanced',
      [
        { account: 'cash_clearing' as const, debitCents: 100 },
        { account: 'revenue' as const, creditCents: 99 },
      ],
      /unbalanced/,
    ],
    [
      'a line with both sides',
      [{ account: 'cash_clearing' as const, debitCents: 1, creditCents: 1 }],
      /either a debit or a credit/,
    ],
    ['a line with neither side', [{ account: 'cash_clearing' as const }], /either a debit or a credit/],
    [
      'fractional cents',
      [
        { account: 'cash_clearing' as const, debitCents: 1.5 },
        { account: 'revenue' as const, creditCents: 1.5 },
      ],
      /integer cents/,
    ],
    [
      'negative amounts',
      [
        { account: 'cash_clearing' as const, debitCents: -1 },
        { account: 'revenue' as const, creditCents: -1 },
      ],
      /non-negative/,
    ],
  ])('refuses %s', (_name, lines, error) => {
    expect(() => assertBalanced({ ...base, lines })).toThrow(error);
  });
});

describe(customerBalanceDelta.name, () => {
  it.each([
    ['an invoice (receivable debit) raises what the customer owes', { debitCents: 500, creditCents: 0 }, 500],
    ['a payment (receivable credit) lowers it', { debitCents: 0, creditCents: 500 }, -500],
    ['credit received (customer credit credited) lowers it', { debitCents: 0, creditCents: 200 }, -200],
    [
      'credit used or taken back (customer credit debited) raises it',
      { debitCents: 200, creditCents: 0 },
      200,
    ],
  ])('%s', (_name, line, delta) => {
    expect(customerBalanceDelta(line)).toBe(delta);
  });
});
