import { findCardNumber, looksLikeCardNumber, passesLuhn } from './card-number-guard';

describe(passesLuhn.name, () => {
  it.each([
    ['4111111111111111', true],
    ['5555555555554444', true],
    ['378282246310005', true],
    ['4111111111111112', false],
    ['1234567812345678', false],
  ])('%s → %s', (digits, expected) => {
    expect(passesLuhn(digits)).toBe(expected);
  });
});

describe(looksLikeCardNumber.name, () => {
  it.each([
    ['4111 1111 1111 1111', true],
    ['4111-1111-1111-1111', true],
    ['411111111111', false], // 12 digits: too short for a PAN
    ['tok_4111111111111111', false],
    ['4111111111111112', false],
  ])('%s → %s', (value, expected) => {
    expect(looksLikeCardNumber(value)).toBe(expected);
  });
});

describe(findCardNumber.name, () => {
  it('finds a card number used as a card token', () => {
    expect(findCardNumber({ method: { type: 'card', cardToken: '4111111111111111' } })).toBe(
      'method.cardToken',
    );
  });

  it('finds a card-number field by name, whatever its value', () => {
    expect(findCardNumber({ method: { type: 'card', cardNumber: 'x' } })).toBe('method.cardNumber');
  });

  it('finds a card number inside arrays and numbers', () => {
    expect(findCardNumber({ invoices: [{ note: 4111111111111111 }] })).toBe('invoices.0.note');
    expect(findCardNumber({ notes: ['ok', '5555555555554444'] })).toBe('notes.1');
  });

  it('does not treat a Luhn-valid bank account number as a card', () => {
    expect(
      findCardNumber({
        method: {
          type: 'ach',
          accountNumber: '4111111111111111',
          accountNumberConfirmation: '4111111111111111',
        },
      }),
    ).toBeNull();
  });

  it('accepts an ordinary request', () => {
    expect(
      findCardNumber({
        customerId: 'c-1',
        invoices: [{ invoiceId: 'x', amountCents: 100 }],
        method: { type: 'card', cardToken: 'tok_visa' },
      }),
    ).toBeNull();
  });
});
