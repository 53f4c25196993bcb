import { spendCreditLots } from './credit-lots';

describe(spendCreditLots.name, () => {
  it.each([
    [
      'one lot pays one invoice',
      [{ lotId: '1', remainingCents: 1000 }],
      [{ invoiceId: 'a', amountCents: 600 }],
      [{ lotId: '1', invoiceId: 'a', amountCents: 600 }],
    ],
    [
      'the oldest lot first, then the next',
      [
        { lotId: '1', remainingCents: 300 },
        { lotId: '2', remainingCents: 1000 },
      ],
      [
        { invoiceId: 'a', amountCents: 500 },
        { invoiceId: 'b', amountCents: 200 },
      ],
      [
        { lotId: '1', invoiceId: 'a', amountCents: 300 },
        { lotId: '2', invoiceId: 'a', amountCents: 200 },
        { lotId: '2', invoiceId: 'b', amountCents: 200 },
      ],
    ],
    [
      'spent lots are skipped',
      [
        { lotId: '1', remainingCents: 0 },
        { lotId: '2', remainingCents: 50 },
      ],
      [{ invoiceId: 'a', amountCents: 50 }],
      [{ lotId: '2', invoiceId: 'a', amountCents: 50 }],
    ],
  ])('%s', (_name, lots, applications, spends) => {
    expect(spendCreditLots(lots, applications)).toEqual(spends);
  });

  it('refuses to spend more than the lots hold', () => {
    expect(() =>
      spendCreditLots([{ lotId: '1', remainingCents: 10 }], [{ invoiceId: 'a', amountCents: 11 }]),
    ).toThrow(/exceed/);
  });
});
