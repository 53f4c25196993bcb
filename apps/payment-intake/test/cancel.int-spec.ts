import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Clock, createTestingApp } from '@remit/platform';
import { PaymentIntakeModule } from '../src/payment-intake.module';
import { ROUTING, httpClient, seedInvoice, testCustomer } from './support';

/** POST /v1/payments/{id}/cancel: before the cutoff of the payment's business day, never after. */
describe('payment cancel (real PostgreSQL, Redis, Kafka)', () => {
  const { customerId, token } = testCustomer('cancel');
  let app: INestApplication;
  let dataSource: DataSource;
  let http: ReturnType<typeof httpClient>;
  let url: string;
  // Monday 2026-11-23: 10:00 in New York, then one second before and exactly at the 17:00 cutoff.
  const MONDAY_MORNING = new Date('2026-11-23T15:00:00Z');
  const BEFORE_CUTOFF = new Date('2026-11-23T21:59:59Z');
  const AT_CUTOFF = new Date('2026-11-23T22:00:00Z');
  let now = MONDAY_MORNING;

  async function payAch(invoiceId: string, amountCents: number) {
    return http.pay(randomUUID(), {
      customerId,
      invoices: [{ invoiceId, amountCents }],
      method: {
        type: 'ach',
        routingNumber: ROUTING,
        accountNumber: '987654321',
        accountNumberConfirmation: '987654321',
      },
    });
  }

  beforeAll(async () => {
    ({ app, url } = await createTestingApp(PaymentIntakeModule));
    dataSource = app.get(DataSource);
    http = httpClient(url, token);
    // This app's clock only: the shared test clock in Redis stays untouched for other suites.
    jest.spyOn(app.get(Clock), 'now').mockImplementation(() => Promise.resolve(now));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('cancels before the cutoff, publishes payment.cancel-requested, frees the invoice, and is idempotent', async () => {
    now = MONDAY_MORNING;
    const invoiceId = await seedInvoice(dataSource, customerId, 5000);
    const payment = (await payAch(invoiceId, 5000)).body;
    expect(payment.businessDate).toBe('2026-11-23');
    // In flight: the invoice cannot be paid a second time.
    expect((await payAch(invoiceId, 5000)).status).toBe(422);

    now = BEFORE_CUTOFF;
    const canceled = await http.post(`/v1/payments/${payment.paymentId}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body).toMatchObject({ paymentId: payment.paymentId, status: 'canceled' });
    const [event] = await dataSource.query(
      `SELECT payload FROM intake.outbox_events WHERE event_type = 'payment.cancel-requested' AND payload->>'subject' = $1`,
      [payment.paymentId],
    );
    expect(event.payload.data).toMatchObject({
      paymentId: payment.paymentId,
      customerId,
      amountCents: 5000,
      requestedAt: BEFORE_CUTOFF.toISOString(),
    });

    const again = await http.post(`/v1/payments/${payment.paymentId}/cancel`);
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('canceled');
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM intake.outbox_events WHERE event_type = 'payment.cancel-requested' AND payload->>'subject' = $1`,
      [payment.paymentId],
    );
    expect(count).toBe(1);
    const history = (await http.get(`/v1/payments/${payment.paymentId}`)).body.statusHistory;
    expect(history.map((change: { status: string }) => change.status)).toEqual(['submitted', 'canceled']);

    // No longer in flight: the invoice may be paid again.
    expect((await payAch(invoiceId, 5000)).status).toBe(201);
  });

  it('refuses with 409 PAYMENT.NOT_CANCELABLE from the cutoff on', async () => {
    now = MONDAY_MORNING;
    const invoiceId = await seedInvoice(dataSource, customerId, 5000);
    const payment = (await payAch(invoiceId, 2500)).body;
    now = AT_CUTOFF;
    const refused = await http.post(`/v1/payments/${payment.paymentId}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('PAYMENT.NOT_CANCELABLE');
    expect((await http.get(`/v1/payments/${payment.paymentId}`)).body.status).toBe('submitted');
  });

  it('refuses a posted payment, and hides payments of other customers', async () => {
    now = MONDAY_MORNING;
    const invoiceId = await seedInvoice(dataSource, customerId, 5000);
    const payment = (await payAch(invoiceId, 1000)).body;
    await dataSource.query(`UPDATE intake.payments SET status = 'posted' WHERE payment_id = $1`, [
      payment.paymentId,
    ]);
    const refused = await http.post(`/v1/payments/${payment.paymentId}/cancel`);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('PAYMENT.NOT_CANCELABLE');

    const stranger = testCustomer('cancel-stranger');
    const strangerHttp = httpClient(url, stranger.token);
    const hidden = await strangerHttp.post(`/v1/payments/${payment.paymentId}/cancel`);
    expect(hidden.status).toBe(404);
  });

  it('lets a declared check be canceled while it awaits funds', async () => {
    now = MONDAY_MORNING;
    const invoiceId = await seedInvoice(dataSource, customerId, 5000);
    const check = (
      await http.pay(randomUUID(), { customerId, invoices: [{ invoiceId }], method: { type: 'check' } })
    ).body;
    expect(check.status).toBe('awaiting_funds');
    now = new Date('2026-11-24T15:00:00Z');
    const canceled = await http.post(`/v1/payments/${check.paymentId}/cancel`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.status).toBe('canceled');
  });
});
