import { randomUUID } from 'node:crypto';
import { createCloudEvent, type CloudEvent } from '@remit/contracts';
import { withBatchWork } from '@remit/messaging';
import { lockWaitOf, StatementRecorder } from '@remit/platform';
import { ApplyPaymentService } from '../src/payments/apply-payment.service';
import { InvoiceHarness } from './invoice-harness';

/**
 * The statements of one `payment.posted`, and the two guards they carry: a posting is applied once,
 * whatever event id it comes under again, and never after its payment was returned.
 */
describe('invoice: a posting in three statements, applied once and never after its return (real PostgreSQL, Redis, Kafka)', () => {
  const harness = new InvoiceHarness();
  /** The statements sent through `pg` by the code run inside `counted.record(…)`. */
  const counted = new StatementRecorder();

  function posted(customerId: string, paymentId: string, invoiceId: string): CloudEvent<'payment.posted'> {
    return createCloudEvent({
      type: 'payment.posted',
      source: 'remit/settlement',
      customerId,
      subject: paymentId,
      data: harness.postedData(customerId, paymentId, 3000, [{ invoiceId }]),
    });
  }

  /** Applies the posting as invoice's consumer does (one transaction, deferred work flushed), with its statements. */
  function apply(event: CloudEvent<'payment.posted'>): Promise<string[]> {
    return counted.record(() =>
      harness.dataSource.transaction((manager) =>
        withBatchWork(manager, () => harness.app.get(ApplyPaymentService).applyPosted(event, manager)),
      ),
    );
  }

  /** The journals and `payment.applied` events of a payment, and what its invoice still owes. */
  async function state(
    customerId: string,
    paymentId: string,
    invoiceId: string,
  ): Promise<{ journals: number; applied: number; amountDueCents: number }> {
    const [{ journals }]: { journals: number }[] = await harness.dataSource.query(
      `SELECT count(*)::int AS journals FROM invoice.journals WHERE journal_id = $1`,
      [`payment:${paymentId}`],
    );
    const applied = (await harness.outboxPayloads(customerId, 'payment.applied')).filter(
      (data: { paymentId: string }) => data.paymentId === paymentId,
    ).length;
    const invoice = await harness.invoice(customerId, invoiceId);
    return { journals, applied, amountDueCents: invoice.amountDueCents };
  }

  async function customerWithInvoice(): Promise<{ customerId: string; invoiceId: string }> {
    const { customerId, accounts } = await harness.createCustomer();
    const { invoiceId } = await harness.issueInvoice(accounts[0], 5000);
    return { customerId, invoiceId };
  }

  beforeAll(async () => {
    await harness.start();
  });

  afterEach(async () => {
    await harness.expectLedgerBalanced();
  });

  afterAll(async () => {
    await harness.stop();
  });

  it('applies a posting in three statements: the customer locked, its invoices locked with both guards asked, one write', async () => {
    const { customerId, invoiceId } = await customerWithInvoice();
    const paymentId = randomUUID();
    const statements = await apply(posted(customerId, paymentId, invoiceId));
    expect(statements).toHaveLength(5);
    expect(statements[0]).toBe('START TRANSACTION');
    expect(statements[1]).toMatch(
      /FROM "invoice"\."customers" AS customer\s+WHERE customer_id = \$1 FOR UPDATE$/,
    );
    expect(statements[2]).toMatch(
      /EXISTS \(SELECT 1 FROM "invoice"\."journals" WHERE journal_id = \$3\) AS "answer:applied", EXISTS \(SELECT 1 FROM "invoice"\."payment_reversals" WHERE payment_id = \$4\) AS "answer:reversed".* FOR UPDATE\) AS invoice ON true/,
    );
    expect(statements[3]).toMatch(/^WITH changed AS .*INSERT INTO "invoice"\."journals"/);
    expect(statements[4]).toBe('COMMIT');
    expect(await state(customerId, paymentId, invoiceId)).toEqual({
      journals: 1,
      applied: 1,
      amountDueCents: 2000,
    });
  });

  it('applies a posting that comes again under another event id once', async () => {
    const { customerId, invoiceId } = await customerWithInvoice();
    const paymentId = randomUUID();
    await apply(posted(customerId, paymentId, invoiceId));
    const again = posted(customerId, paymentId, invoiceId);
    const statements = await apply(again);
    // The guard answers in the locking statement; nothing is written.
    expect(statements).toHaveLength(4);
    expect(statements[3]).toBe('COMMIT');
    expect(await state(customerId, paymentId, invoiceId)).toEqual({
      journals: 1,
      applied: 1,
      amountDueCents: 2000,
    });
  });

  it('does not apply a posting whose payment was returned before it arrived', async () => {
    const { customerId, invoiceId } = await customerWithInvoice();
    const paymentId = randomUUID();
    // The return came first (a posting replayed from a dead-letter topic after it): nothing to reverse.
    await harness.dataSource.query(
      `INSERT INTO invoice.payment_reversals (payment_id, customer_id, return_code, reversed_cents)
       VALUES ($1, $2, 'R01', 0)`,
      [paymentId, customerId],
    );
    const statements = await apply(posted(customerId, paymentId, invoiceId));
    expect(statements).toHaveLength(4);
    expect(await state(customerId, paymentId, invoiceId)).toEqual({
      journals: 0,
      applied: 0,
      amountDueCents: 5000,
    });
  });

  it('does not apply a posting whose return committed while it waited for the customer', async () => {
    const { customerId, invoiceId } = await customerWithInvoice();
    const paymentId = randomUUID();
    // The return holds the customer's lock and has written its reversal when the posting comes: the
    // guards must be asked after that lock is granted, not from a snapshot taken while waiting for it.
    const returning = harness.dataSource.createQueryRunner();
    await returning.connect();
    try {
      await returning.startTransaction();
      await returning.query(`SELECT 1 FROM invoice.customers WHERE customer_id = $1 FOR UPDATE`, [
        customerId,
      ]);
      await returning.query(
        `INSERT INTO invoice.payment_reversals (payment_id, customer_id, return_code, reversed_cents)
         VALUES ($1, $2, 'R01', 0)`,
        [paymentId, customerId],
      );
      const applying = apply(posted(customerId, paymentId, invoiceId));
      await lockWaitOf(harness.dataSource, '%"invoice"."customers" AS customer%FOR UPDATE%');
      await returning.commitTransaction();
      await expect(applying).resolves.toHaveLength(4);
    } finally {
      if (returning.isTransactionActive) await returning.rollbackTransaction();
      await returning.release();
    }
    expect(await state(customerId, paymentId, invoiceId)).toEqual({
      journals: 0,
      applied: 0,
      amountDueCents: 5000,
    });
  });

  it('applies a posting that names no invoice of the customer as credit, the guards still asked', async () => {
    const { customerId, invoiceId } = await customerWithInvoice();
    const postedFor = (paymentId: string, invoices: { invoiceId: string }[]): CloudEvent<'payment.posted'> =>
      createCloudEvent({
        type: 'payment.posted',
        source: 'remit/settlement',
        customerId,
        subject: paymentId,
        data: harness.postedData(customerId, paymentId, 700, invoices),
      });
    // Only ids that are not uuids (dropped: no invoice id in the statement), then an invoice of nobody.
    const payments = [randomUUID(), randomUUID()];
    const events = [
      postedFor(payments[0], [{ invoiceId: 'not-a-uuid' }]),
      postedFor(payments[1], [{ invoiceId: randomUUID() }]),
    ];
    for (const event of events) {
      await apply(event);
      // Again under another event id: the guard still answers with no invoice row to join.
      await expect(apply({ ...event, id: randomUUID() })).resolves.toHaveLength(4);
    }
    for (const paymentId of payments) {
      expect(await state(customerId, paymentId, invoiceId)).toEqual({
        journals: 1,
        applied: 1,
        amountDueCents: 5000,
      });
    }
    expect(await harness.customer(customerId)).toMatchObject({ creditBalanceCents: 1400 });
  });
});
