import { allocateRequested } from './requested-allocation';

const invoice = (invoiceId: string, dueDate: string, amountDueCents: number) => ({
  invoiceId,
  dueDate,
  invoiceDate: '2026-11-01',
  amountDueCents,
});

describe(allocateRequested.name, () => {
  const a = invoice('a', '2026-12-01', 5000);
  const b = invoice('b', '2026-12-15', 3000);

  it.each([
    [
      'full amounts of two invoices',
      8000,
      [a, b],
      [{ invoiceId: 'a' }, { invoiceId: 'b' }],
      [
        ['a', 5000],
        ['b', 3000],
      ],
      0,
    ],
    ['an explicit partial amount', 2000, [a], [{ invoiceId: 'a', amountCents: 2000 }], [['a', 2000]], 0],
    [
      'a receipt larger than due',
      9000,
      [a, b],
      [{ invoiceId: 'a' }, { invoiceId: 'b' }],
      [
        ['a', 5000],
        ['b', 3000],
      ],
      1000,
    ],
    [
      'an invoice already paid by another payment',
      5000,
      [invoice('a', '2026-12-01', 0)],
      [{ invoiceId: 'a' }],
      [],
      5000,
    ],
    [
      'an amount above what is still due',
      5000,
      [invoice('a', '2026-12-01', 1200)],
      [{ invoiceId: 'a', amountCents: 5000 }],
      [['a', 1200]],
      3800,
    ],
    [
      'requests above the payment: oldest due first',
      6000,
      [b, a],
      [{ invoiceId: 'b' }, { invoiceId: 'a' }],
      [
        ['a', 5000],
        ['b', 1000],
      ],
      0,
    ],
    ['an invoice that is not among the open ones', 4000, [a], [{ invoiceId: 'zz' }], [], 4000],
    [
      'an invoice the customer did not choose gets nothing',
      9000,
      [a, b],
      [{ invoiceId: 'b' }],
      [['b', 3000]],
      6000,
    ],
  ])('%s', (_name, amountCents, invoices, requested, applications, creditCents) => {
    const allocation = allocateRequested(amountCents, invoices, requested);
    expect(allocation.applications.map((entry) => [entry.invoiceId, entry.amountCents])).toEqual(
      applications,
    );
    expect(allocation.creditCents).toBe(creditCents);
  });

  it('never loses or creates a cent', () => {
    for (let amount = 0; amount <= 10000; amount += 337) {
      const allocation = allocateRequested(
        amount,
        [a, b],
        [{ invoiceId: 'a', amountCents: 4000 }, { invoiceId: 'b' }],
      );
      const applied = allocation.applications.reduce((sum, entry) => sum + entry.amountCents, 0);
      expect(applied + allocation.creditCents).toBe(amount);
    }
  });

  it('refuses fractional cents', () => {
    expect(() => allocateRequested(10.5, [a], [{ invoiceId: 'a' }])).toThrow(/integer/);
  });
});
