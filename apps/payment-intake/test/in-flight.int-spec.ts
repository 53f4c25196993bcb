import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { createCloudEvent } from '@remit/contracts';
import { withBatchWork } from '@remit/messaging';
import { createTestingApp, indexesOfPlans, loadConfig, signToken } from '@remit/platform';
import { InvoiceViewService } from '../src/invoice-view/invoice-view.service';
import { PaymentIntakeModule } from '../src/payment-intake.module';
import { inFlightSql, SubmitPaymentService } from '../src/payments/submit-payment.service';
import { balanceChanged } from './support';

/** Money counts against an invoice until invoice has applied it, and old snapshots never come back. */
describe('intake money in flight and invoice view versions (real PostgreSQL, Redis, Kafka)', () => {
  const config = loadConfig();
  let app: INestApplication;
  let url: string;
  let dataSource: DataSource;
  const customerId = `flight-${randomUUID().slice(0, 8)}`;
  const principal = { sub: `user-${customerId}`, role: 'customer' as const, customers: [customerId] };
  const token = signToken(principal, config.authJwtSecret);

  function snapshot(invoiceId: string, amountDueCents: number, version: number) {
    return balanceChanged(customerId, invoiceId, 5000, amountDueCents, version);
  }

  async function applySnapshot(invoiceId: string, amountDueCents: number, version: number): Promise<void> {
    const view = app.get(InvoiceViewService);
    // As a consumer applies it: the upsert is deferred to the end of the transaction (batchWork).
    await dataSource.transaction((manager) =>
      withBatchWork(manager, () => view.upsert(snapshot(invoiceId, amountDueCents, version), manager)),
    );
  }

  async function amountDue(invoiceId: string): Promise<number> {
    const [row] = await dataSource.query(
      `SELECT amount_due_cents::int AS due FROM intake.invoice_view WHERE invoice_id = $1`,
      [invoiceId],
    );
    return row.due as number;
  }

  async function pay(invoiceId: string, amountCents: number): Promise<{ status: number; body: any }> {
    const response = await fetch(`${url}/v1/payments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': randomUUID(),
      },
      body: JSON.stringify({
        customerId,
        invoices: [{ invoiceId, amountCents }],
        method: {
          type: 'ach',
          routingNumber: '021000021',
          accountNumber: '987654321',
          accountNumberConfirmation: '987654321',
        },
      }),
    });
    return { status: response.status, body: await response.json() };
  }

  beforeAll(async () => {
    ({ app, url } = await createTestingApp(PaymentIntakeModule));
    dataSource = app.get(DataSource);
  });

  afterAll(async () => {
    await app.close();
  });

  it('keeps only the newest snapshot of an invoice, whatever order they arrive in', async () => {
    const invoiceId = randomUUID();
    await applySnapshot(invoiceId, 5000, 1);
    await applySnapshot(invoiceId, 2000, 3);
    expect(await amountDue(invoiceId)).toBe(2000);
    // A replayed older snapshot (version 2) must not bring back money already paid.
    await applySnapshot(invoiceId, 5000, 2);
    expect(await amountDue(invoiceId)).toBe(2000);
    await applySnapshot(invoiceId, 0, 4);
    expect(await amountDue(invoiceId)).toBe(0);
  });

  it('counts a posted payment against its invoice until invoice has applied it', async () => {
    const invoiceId = randomUUID();
    await applySnapshot(invoiceId, 5000, 1);
    const first = await pay(invoiceId, 5000);
    expect(first.status).toBe(201);
    // Settlement posted it; invoice has not applied it yet, so the view still says 5000 due.
    await dataSource.query(`UPDATE intake.payments SET status = 'posted' WHERE payment_id = $1`, [
      first.body.paymentId,
    ]);
    const early = await pay(invoiceId, 5000);
    expect(early.status).toBe(422);
    expect(early.body.error.code).toBe('PAYMENT.INVOICE_NOT_PAYABLE');

    // invoice.events.v1 brings the new balance, then payment.applied.
    await applySnapshot(invoiceId, 0, 2);
    const applied = createCloudEvent({
      type: 'payment.applied',
      source: 'remit/invoice',
      customerId,
      subject: first.body.paymentId,
      data: {
        paymentId: first.body.paymentId,
        customerId,
        customerName: 'Flight Test',
        customerEmail: 'ap@example.com',
        amountCents: 5000,
        applications: [{ invoiceId, amountCents: 5000, invoiceNumber: `INV-${invoiceId.slice(0, 8)}` }],
        creditCents: 0,
        postingDate: '2026-11-25',
      },
    });
    await dataSource.transaction((manager) => app.get(InvoiceViewService).markApplied(applied, manager));
    const [row] = await dataSource.query(`SELECT applied_at FROM intake.payments WHERE payment_id = $1`, [
      first.body.paymentId,
    ]);
    expect(row.applied_at).not.toBeNull();
    // The invoice is paid: nothing left to pay, and no longer because of money in flight.
    const after = await pay(invoiceId, 100);
    expect(after.status).toBe(422);
    expect(after.body.error.code).toBe('PAYMENT.INVOICE_NOT_PAYABLE');

    // A later invoice change (a reversal, say) reopens it: the applied payment no longer counts.
    await applySnapshot(invoiceId, 5000, 3);
    expect((await pay(invoiceId, 5000)).status).toBe(201);
  });

  it("reads a customer's money in flight through payments_in_flight_idx, not the customer's history", async () => {
    // A customer of some years: 400 payments posted and applied, one still on its way.
    const veteran = `veteran-${randomUUID().slice(0, 8)}`;
    const invoiceId = randomUUID();
    const insert = `INSERT INTO intake.payments
                           (payment_id, customer_id, amount_cents, currency, status, method_type, invoices,
                            submitted_at, business_date, expected_posting_date, notice, applied_at)
                    SELECT gen_random_uuid(), $1, 700, 'USD', $2, 'ach', $3::jsonb,
                           now() - n * interval '1 day', current_date, current_date, 'notice', $4
                      FROM generate_series(1, $5::int) AS n`;
    const paid = JSON.stringify([{ invoiceId: randomUUID(), amountCents: 700 }]);
    await dataSource.query(insert, [veteran, 'posted', paid, new Date(), 400]);
    await dataSource.query(insert, [
      veteran,
      'scheduled',
      JSON.stringify([{ invoiceId, amountCents: 700 }]),
      null,
      1,
    ]);
    await dataSource.query(`ANALYZE intake.payments`);

    // The plan for the value, and the plan made without it that a prepared statement runs: the index's
    // predicate is the query's condition, written out; an edit of one without the other, or a status
    // given as a parameter, would read the history again.
    expect(await indexesOfPlans(dataSource, inFlightSql('$1'), [veteran])).toEqual({
      custom: ['payments_in_flight_idx'],
      generic: ['payments_in_flight_idx'],
    });
    const inFlight = await dataSource.transaction((manager) =>
      app.get(SubmitPaymentService).amountsInFlight(manager, veteran),
    );
    expect([...inFlight]).toEqual([[invoiceId, 700]]);
  });
});
