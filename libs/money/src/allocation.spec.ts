import fc from 'fast-check';
import {
  allocatePayment,
  compareInvoicesOldestFirst,
  type Allocation,
  type AllocationInvoice,
  type AllocationRequest,
  type InvoiceAmount,
} from './allocation';

/** Matches a thrown DomainError by code (and field); an asymmetric matcher, typed as toThrow's parameter. */
const domainError = (code: string, field?: string): Error =>
  expect.objectContaining({ name: 'DomainError', code, ...(field === undefined ? {} : { field }) }) as Error;

const invoice = (
  invoiceId: string,
  dueDate: string,
  amountDueCents: number,
  invoiceDate = '2026-10-01',
): AllocationInvoice => ({ invoiceId, dueDate, invoiceDate, amountDueCents });

// Three open invoices of one customer; B is the oldest by due date.
const A = invoice('inv-a', '2026-11-30', 10000);
const B = invoice('inv-b', '2026-10-31', 5000);
const C = invoice('inv-c', '2026-12-31', 2500);

describe(compareInvoicesOldestFirst.name, () => {
  it.each([
    ['earlier due date first', invoice('z', '2026-01-01', 1), invoice('a', '2026-01-02', 1), -1],
    [
      'same due date: earlier invoice date first',
      invoice('z', '2026-01-01', 1, '2025-12-01'),
      invoice('a', '2026-01-01', 1, '2025-12-02'),
      -1,
    ],
    ['same dates: smaller id first', invoice('a', '2026-01-01', 1), invoice('b', '2026-01-01', 1), -1],
    ['later due date after', invoice('a', '2026-02-01', 1), invoice('b', '2026-01-01', 1), 1],
    ['identical', invoice('a', '2026-01-01', 1), invoice('a', '2026-01-01', 1), 0],
  ])('%s', (_name, left, right, expected) => {
    expect(Math.sign(compareInvoicesOldestFirst(left, right))).toBe(expected);
  });
});

describe(allocatePayment.name, () => {
  describe('oldest due date first (no explicit amounts)', () => {
    it.each<[string, number, AllocationInvoice[], Allocation]>([
      [
        'pays the oldest invoice first',
        5000,
        [A, B, C],
        { applications: [{ invoiceId: 'inv-b', amountCents: 5000 }], creditCents: 0 },
      ],
      [
        'moves to the next oldest and pays it partially',
        7500,
        [A, B, C],
        {
          applications: [
            { invoiceId: 'inv-b', amountCents: 5000 },
            { invoiceId: 'inv-a', amountCents: 2500 },
          ],
          creditCents: 0,
        },
      ],
      [
        'pays everything and keeps the rest as credit',
        20000,
        [C, A, B],
        {
          applications: [
            { invoiceId: 'inv-b', amountCents: 5000 },
            { invoiceId: 'inv-a', amountCents: 10000 },
            { invoiceId: 'inv-c', amountCents: 2500 },
          ],
          creditCents: 2500,
        },
      ],
      [
        'skips invoices that owe nothing',
        100,
        [invoice('paid', '2026-01-01', 0), B],
        { applications: [{ invoiceId: 'inv-b', amountCents: 100 }], creditCents: 0 },
      ],
      [
        'same due date: the earlier invoice date first',
        150,
        [invoice('x', '2026-11-01', 100, '2026-10-02'), invoice('y', '2026-11-01', 100, '2026-10-01')],
        {
          applications: [
            { invoiceId: 'y', amountCents: 100 },
            { invoiceId: 'x', amountCents: 50 },
          ],
          creditCents: 0,
        },
      ],
      [
        'same dates: the smaller invoice id first',
        150,
        [invoice('inv-2', '2026-11-01', 100), invoice('inv-10', '2026-11-01', 100)],
        {
          applications: [
            { invoiceId: 'inv-10', amountCents: 100 },
            { invoiceId: 'inv-2', amountCents: 50 },
          ],
          creditCents: 0,
        },
      ],
      ['no invoices: all credit', 34618, [], { applications: [], creditCents: 34618 }],
      ['a zero payment applies nothing', 0, [A, B], { applications: [], creditCents: 0 }],
    ])('%s', (_name, amountCents, invoices, expected) => {
      expect(allocatePayment({ amountCents, invoices })).toEqual(expected);
    });
  });

  describe('explicit amounts', () => {
    it.each<[string, number, InvoiceAmount[], Allocation]>([
      [
        'applies the chosen amounts, not the oldest invoice',
        12500,
        [
          { invoiceId: 'inv-c', amountCents: 2500 },
          { invoiceId: 'inv-a', amountCents: 10000 },
        ],
        {
          applications: [
            { invoiceId: 'inv-a', amountCents: 10000 },
            { invoiceId: 'inv-c', amountCents: 2500 },
          ],
          creditCents: 0,
        },
      ],
      [
        'a partial amount stays partial',
        1234,
        [{ invoiceId: 'inv-a', amountCents: 1234 }],
        { applications: [{ invoiceId: 'inv-a', amountCents: 1234 }], creditCents: 0 },
      ],
      [
        'leftover goes to credit, not to other open invoices',
        9000,
        [{ invoiceId: 'inv-c', amountCents: 2500 }],
        { applications: [{ invoiceId: 'inv-c', amountCents: 2500 }], creditCents: 6500 },
      ],
      [
        'a zero amount is no application',
        100,
        [
          { invoiceId: 'inv-a', amountCents: 0 },
          { invoiceId: 'inv-b', amountCents: 100 },
        ],
        { applications: [{ invoiceId: 'inv-b', amountCents: 100 }], creditCents: 0 },
      ],
      ['an empty explicit list is all credit', 700, [], { applications: [], creditCents: 700 }],
    ])('%s', (_name, amountCents, explicit, expected) => {
      expect(allocatePayment({ amountCents, invoices: [A, B, C], explicit })).toEqual(expected);
    });
  });

  describe('refuses', () => {
    it.each<[string, AllocationRequest, string, string]>([
      [
        'an explicit amount above the amount due',
        { amountCents: 20000, invoices: [A, B], explicit: [{ invoiceId: 'inv-b', amountCents: 5001 }] },
        'ALLOCATION.EXCEEDS_AMOUNT_DUE',
        'explicit[0].amountCents',
      ],
      [
        'explicit amounts above the payment',
        {
          amountCents: 6000,
          invoices: [A, B],
          explicit: [
            { invoiceId: 'inv-b', amountCents: 5000 },
            { invoiceId: 'inv-a', amountCents: 1001 },
          ],
        },
        'ALLOCATION.EXCEEDS_PAYMENT',
        'explicit',
      ],
      [
        'an explicit invoice that is not among the invoices',
        { amountCents: 100, invoices: [A], explicit: [{ invoiceId: 'inv-x', amountCents: 100 }] },
        'ALLOCATION.UNKNOWN_INVOICE',
        'explicit[0].invoiceId',
      ],
      [
        'the same invoice twice in explicit',
        {
          amountCents: 200,
          invoices: [A],
          explicit: [
            { invoiceId: 'inv-a', amountCents: 100 },
            { invoiceId: 'inv-a', amountCents: 100 },
          ],
        },
        'ALLOCATION.DUPLICATE_INVOICE',
        'explicit[1].invoiceId',
      ],
      [
        'a negative explicit amount',
        { amountCents: 100, invoices: [A], explicit: [{ invoiceId: 'inv-a', amountCents: -1 }] },
        'MONEY.NEGATIVE_AMOUNT',
        'explicit[0].amountCents',
      ],
      [
        'a fractional explicit amount',
        { amountCents: 100, invoices: [A], explicit: [{ invoiceId: 'inv-a', amountCents: 0.5 }] },
        'MONEY.NOT_INTEGER_CENTS',
        'explicit[0].amountCents',
      ],
      [
        'a fractional payment',
        { amountCents: 346.18, invoices: [A] },
        'MONEY.NOT_INTEGER_CENTS',
        'amountCents',
      ],
      ['a negative payment', { amountCents: -1, invoices: [A] }, 'MONEY.NEGATIVE_AMOUNT', 'amountCents'],
      [
        'a negative amount due',
        { amountCents: 1, invoices: [A, invoice('neg', '2026-01-01', -5)] },
        'MONEY.NEGATIVE_AMOUNT',
        'invoices[1].amountDueCents',
      ],
      [
        'the same invoice twice',
        { amountCents: 1, invoices: [A, B, A] },
        'ALLOCATION.DUPLICATE_INVOICE',
        'invoices[2].invoiceId',
      ],
      [
        'an empty invoice id',
        { amountCents: 1, invoices: [invoice('', '2026-01-01', 1)] },
        'ALLOCATION.INVALID_INVOICE_ID',
        'invoices[0].invoiceId',
      ],
      [
        'a due date that is not YYYY-MM-DD',
        { amountCents: 1, invoices: [invoice('a', '11/30/2026', 1)] },
        'ALLOCATION.INVALID_DATE',
        'invoices[0].dueDate',
      ],
      [
        'an invoice date that is not YYYY-MM-DD',
        { amountCents: 1, invoices: [invoice('a', '2026-11-30', 1, '2026-1-1')] },
        'ALLOCATION.INVALID_DATE',
        'invoices[0].invoiceDate',
      ],
    ])('%s', (_name, request, code, field) => {
      expect(() => allocatePayment(request)).toThrow(domainError(code, field));
    });
  });

  describe('properties', () => {
    // Few distinct dates so that ties on due date and invoice date are common.
    const dates = ['2026-09-30', '2026-10-31', '2026-11-30'];
    const invoicesArbitrary = fc.uniqueArray(
      fc.record({
        invoiceId: fc.stringMatching(/^[a-z0-9-]{1,4}$/),
        dueDate: fc.constantFrom(...dates),
        invoiceDate: fc.constantFrom(...dates),
        amountDueCents: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 1_000_000 })),
      }),
      { selector: (entry) => entry.invoiceId, maxLength: 8 },
    );
    const oldestFirstRequest = fc.record({
      amountCents: fc.integer({ min: 0, max: 10_000_000 }),
      invoices: invoicesArbitrary,
    });
    const explicitRequest = invoicesArbitrary.chain((invoices) =>
      fc.subarray(invoices).chain((chosen) =>
        fc
          .tuple(
            fc.tuple(...chosen.map((entry) => fc.integer({ min: 0, max: entry.amountDueCents }))),
            fc.integer({ min: 0, max: 1_000_000 }),
          )
          .map(([amounts, extraCents]) => {
            const explicit = chosen.map((entry, index) => ({
              invoiceId: entry.invoiceId,
              amountCents: amounts[index],
            }));
            const requested = amounts.reduce((sum, cents) => sum + cents, 0);
            return { amountCents: requested + extraCents, invoices, explicit };
          }),
      ),
    );
    const anyRequest = fc.oneof(oldestFirstRequest, explicitRequest);

    const permuted = (request: AllocationRequest) =>
      fc.record({
        amountCents: fc.constant(request.amountCents),
        invoices: fc.shuffledSubarray([...request.invoices], {
          minLength: request.invoices.length,
          maxLength: request.invoices.length,
        }),
        ...(request.explicit === undefined
          ? {}
          : {
              explicit: fc.shuffledSubarray([...request.explicit], {
                minLength: request.explicit.length,
                maxLength: request.explicit.length,
              }),
            }),
      });

    it('never over-applies an invoice and never applies a non-positive amount', () => {
      fc.assert(
        fc.property(anyRequest, (request) => {
          const due = new Map(request.invoices.map((entry) => [entry.invoiceId, entry.amountDueCents]));
          const { applications } = allocatePayment(request);
          expect(new Set(applications.map((application) => application.invoiceId)).size).toBe(
            applications.length,
          );
          for (const application of applications) {
            expect(Number.isSafeInteger(application.amountCents)).toBe(true);
            expect(application.amountCents).toBeGreaterThan(0);
            expect(application.amountCents).toBeLessThanOrEqual(due.get(application.invoiceId)!);
          }
        }),
      );
    });

    it('never loses or creates a cent: sum(applications) + credit === amount', () => {
      fc.assert(
        fc.property(anyRequest, (request) => {
          const { applications, creditCents } = allocatePayment(request);
          expect(creditCents).toBeGreaterThanOrEqual(0);
          const applied = applications.reduce((sum, application) => sum + application.amountCents, 0);
          expect(applied + creditCents).toBe(request.amountCents);
        }),
      );
    });

    it('is deterministic: the same invoices and amounts in another order give the same result', () => {
      fc.assert(
        fc.property(
          anyRequest.chain((request) => fc.tuple(fc.constant(request), permuted(request))),
          ([request, reordered]) => {
            expect(allocatePayment(reordered)).toEqual(allocatePayment(request));
          },
        ),
      );
    });

    it('oldest first: credit only once every invoice is paid, and no younger invoice before an older one is full', () => {
      fc.assert(
        fc.property(oldestFirstRequest, (request) => {
          const { applications, creditCents } = allocatePayment(request);
          const order = [...request.invoices]
            .filter((entry) => entry.amountDueCents > 0)
            .sort(compareInvoicesOldestFirst);
          // The applications are a prefix of the open invoices in oldest-first order, all paid in full
          // except possibly the last one.
          expect(applications.map((application) => application.invoiceId)).toEqual(
            order.slice(0, applications.length).map((entry) => entry.invoiceId),
          );
          applications.slice(0, -1).forEach((application, index) => {
            expect(application.amountCents).toBe(order[index].amountDueCents);
          });
          if (creditCents > 0) expect(applications.length).toBe(order.length);
        }),
      );
    });

    it('explicit: applies exactly the positive requested amounts and nothing else', () => {
      fc.assert(
        fc.property(explicitRequest, (request) => {
          const { applications } = allocatePayment(request);
          const expected = request.explicit.filter((entry) => entry.amountCents > 0);
          expect([...applications].sort((l, r) => (l.invoiceId < r.invoiceId ? -1 : 1))).toEqual(
            [...expected].sort((l, r) => (l.invoiceId < r.invoiceId ? -1 : 1)),
          );
        }),
      );
    });
  });
});
