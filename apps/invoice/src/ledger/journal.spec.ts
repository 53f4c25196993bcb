import { assertBalanced } from './journal';

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
