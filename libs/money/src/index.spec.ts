import * as money from '@remit/money';

describe('@remit/money', () => {
  it('exposes its public API through the path alias', () => {
    expect(Object.keys(money).sort()).toEqual(
      [
        'CURRENCIES',
        'DomainError',
        'Money',
        'allocatePayment',
        'allocateRequested',
        'assertCents',
        'assertNonNegativeCents',
        'compareInvoicesOldestFirst',
        'formatUsd',
        'isDomainError',
        'moneyError',
        'parseUsd',
        'spendCreditLots',
        'sumCents',
      ].sort(),
    );
  });

  it('serves the examples of the brief', () => {
    expect(money.parseUsd('$346.18')).toBe(34618);
    expect(money.formatUsd(34618)).toBe('$346.18');
  });
});
