import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { waitFor } from '@remit/messaging';
import { bullConnectionOptions, createTestingApp, loadConfig, signToken } from '@remit/platform';
import { InvoiceModule } from '../apps/invoice/src/invoice.module';
import { NotificationModule } from '../apps/notification/src/notification.module';
import { PaymentIntakeModule } from '../apps/payment-intake/src/payment-intake.module';
import { SettlementModule } from '../apps/settlement/src/settlement.module';
import { POSTING_QUEUE, postingJobId } from '../apps/settlement/src/postings/posting-queue';

/** Asynchronous effects cross Kafka between services: poll with a deadline, never a fixed sleep. */
const POLL = { timeoutMs: 30_000, intervalMs: 200 };

describe('walking skeleton: intake → settlement → invoice → notification', () => {
  const config = loadConfig();
  const apps: INestApplication[] = [];
  const url: Record<'intake' | 'invoice' | 'settlement' | 'notification', string> = {
    intake: '',
    invoice: '',
    settlement: '',
    notification: '',
  };
  const suffix = randomUUID().slice(0, 8);
  const customerId = `e2e-${suffix}`;
  const accountNumber = String(1_000_000 + Math.floor(Math.random() * 8_999_999));
  const opsToken = signToken({ sub: 'ops-e2e', role: 'ops', customers: [] }, config.authJwtSecret);
  const customerToken = signToken(
    { sub: `user-${suffix}`, role: 'customer', customers: [customerId] },
    config.authJwtSecret,
  );

  async function call(
    method: string,
    base: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    for (const [key, module] of [
      ['invoice', InvoiceModule],
      ['intake', PaymentIntakeModule],
      ['settlement', SettlementModule],
      ['notification', NotificationModule],
    ] as const) {
      const started = await createTestingApp(module);
      apps.push(started.app);
      url[key] = started.url;
    }
  });

  afterAll(async () => {
    await call('DELETE', url.intake, '/v1/test/clock', { token: opsToken });
    for (const app of apps.reverse()) await app.close();
  });

  it('pays an invoice by one-time ACH and ends with the invoice paid and a receipt recorded', async () => {
    // Monday 2026-11-23 10:00 ET: docs/architecture.md's example posts on Wednesday 2026-11-25.
    const clock = await call('PUT', url.settlement, '/v1/test/clock', {
      token: opsToken,
      body: { now: '2026-11-23T15:00:00Z' },
    });
    expect(clock.status).toBe(200);
    expect((await call('GET', url.intake, '/v1/test/clock', { token: opsToken })).body.now).toBe(
      '2026-11-23T15:00:00.000Z',
    );

    const customer = await call('POST', url.invoice, '/v1/customers', {
      token: opsToken,
      body: {
        customerId,
        name: 'Corporate Account For Cloud Ser',
        email: `ap-${suffix}@example.com`,
        billingDelivery: 'email',
        accounts: [{ accountNumber, siteName: 'Ashley Palacol', city: 'HERND' }],
      },
    });
    expect(customer.status).toBe(201);
    const invoice = await call('POST', url.invoice, '/v1/invoices', {
      token: opsToken,
      body: {
        invoiceNumber: `INV-${suffix}`,
        accountNumber,
        invoiceDate: '2026-11-01',
        dueDate: '2026-12-01',
        lines: [
          { description: 'Internet', amountCents: 30000 },
          { description: 'Managed Network & Security', amountCents: 4618 },
        ],
      },
    });
    expect(invoice.status).toBe(201);
    expect(invoice.body).toMatchObject({ invoiceAmountCents: 34618, amountDueCents: 34618, status: 'open' });
    const invoiceId: string = invoice.body.invoiceId;

    const paymentBody = {
      customerId,
      invoices: [{ invoiceId }],
      method: {
        type: 'ach',
        routingNumber: '021000021',
        accountNumber: '000123456789',
        accountNumberConfirmation: '000123456789',
        accountHolderName: 'Cloud Ser Corp',
      },
    };
    const idempotencyKey = `pay-${suffix}`;
    // Intake learns of the invoice from invoice.events.v1; until then the invoice is unknown to it.
    const submitted = await waitFor(
      async () => {
        const response = await call('POST', url.intake, '/v1/payments', {
          token: customerToken,
          body: paymentBody,
          headers: { 'Idempotency-Key': idempotencyKey },
        });
        if (response.status === 422 && response.body.error.code === 'PAYMENT.INVOICE_NOT_FOUND')
          return undefined;
        return response;
      },
      { ...POLL, what: 'intake to know the invoice' },
    );
    expect(submitted.status).toBe(201);
    expect(submitted.body).toMatchObject({
      status: 'submitted',
      customerId,
      amountCents: 34618,
      currency: 'USD',
      method: { type: 'ach', last4: '6789' },
      submittedAt: '2026-11-23T15:00:00.000Z',
      expectedPostingDate: '2026-11-25',
    });
    expect(JSON.stringify(submitted.body)).not.toContain('000123456789');
    const paymentId: string = submitted.body.paymentId;

    const replay = await call('POST', url.intake, '/v1/payments', {
      token: customerToken,
      body: paymentBody,
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    expect(replay.status).toBe(201);
    expect(replay.body).toEqual(submitted.body);
    const reused = await call('POST', url.intake, '/v1/payments', {
      token: customerToken,
      body: { ...paymentBody, invoices: [{ invoiceId, amountCents: 100 }] },
      headers: { 'Idempotency-Key': idempotencyKey },
    });
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY.KEY_REUSED');

    // Pending, not paid: the balance stays until the payment posts.
    await waitFor(
      async () => {
        const view = await call('GET', url.invoice, `/v1/customers/${customerId}`, { token: customerToken });
        return view.body.pendingPaymentsCents === 34618 ? view : undefined;
      },
      { ...POLL, what: 'the payment to show as pending' },
    ).then((view) => {
      expect(view.body).toMatchObject({
        currentBalanceCents: 34618,
        creditBalanceCents: 0,
        dueBy: '2026-12-01',
      });
    });

    await waitFor(
      async () => {
        const payment = await call('GET', url.intake, `/v1/payments/${paymentId}`, { token: customerToken });
        return payment.body.status === 'scheduled' ? payment : undefined;
      },
      { ...POLL, what: 'settlement to schedule the payment' },
    );
    const queue = new Queue(POSTING_QUEUE, { connection: bullConnectionOptions(config), prefix: 'remit' });
    try {
      const job = await queue.getJob(postingJobId(paymentId));
      expect(job).toBeDefined();
      expect(await job!.getState()).toBe('delayed');
      // Posting day 2026-11-25 00:00 New York (05:00Z), measured from the test clock's Monday 15:00Z.
      expect(job!.opts.delay).toBe(Date.parse('2026-11-25T05:00:00Z') - Date.parse('2026-11-23T15:00:00Z'));
    } finally {
      await queue.close();
    }

    // A run may not look past the platform clock: move the clock first, as finance ops' day does.
    const ahead = await call('POST', url.settlement, '/v1/settlement/run', {
      token: opsToken,
      body: { asOf: '2026-11-24' },
    });
    expect(ahead.status).toBe(422);
    expect(ahead.body.error.code).toBe('SETTLEMENT.AS_OF_IN_FUTURE');
    await call('PUT', url.settlement, '/v1/test/clock', {
      token: opsToken,
      body: { now: '2026-11-24T15:00:00Z' },
    });
    const early = await call('POST', url.settlement, '/v1/settlement/run', {
      token: opsToken,
      body: { asOf: '2026-11-24' },
    });
    expect(early.status).toBe(200);
    expect(early.body.postedPaymentIds).not.toContain(paymentId);
    await call('PUT', url.settlement, '/v1/test/clock', {
      token: opsToken,
      body: { now: '2026-11-25T15:00:00Z' },
    });
    // The run posts it, unless the minute's sweep (which does the same work) got there first.
    const run = await call('POST', url.settlement, '/v1/settlement/run', {
      token: opsToken,
      body: { asOf: '2026-11-25' },
    });
    expect(run.status).toBe(200);

    const paid = await waitFor(
      async () => {
        const invoices = await call('GET', url.invoice, `/v1/customers/${customerId}/invoices?status=all`, {
          token: customerToken,
        });
        const found = invoices.body.find(
          (candidate: { invoiceId: string }) => candidate.invoiceId === invoiceId,
        );
        return found?.status === 'paid' ? found : undefined;
      },
      { ...POLL, what: 'the invoice to be paid' },
    );
    expect(paid).toMatchObject({ amountDueCents: 0, invoiceAmountCents: 34618 });
    const after = await call('GET', url.invoice, `/v1/customers/${customerId}`, { token: customerToken });
    expect(after.body).toMatchObject({
      currentBalanceCents: 0,
      pendingPaymentsCents: 0,
      creditBalanceCents: 0,
      dueBy: null,
    });

    const receipts = await waitFor(
      async () => {
        const list = await call('GET', url.notification, `/v1/customers/${customerId}/notifications`, {
          token: customerToken,
        });
        // The posted receipt; notification also tells of the payment at submission.
        const found = list.body.filter((entry: { type: string }) => entry.type === 'payment.receipt');
        return found.length > 0 ? found : undefined;
      },
      { ...POLL, what: 'the receipt' },
    );
    expect(receipts).toHaveLength(1);
    expect(receipts[0]).toMatchObject({
      type: 'payment.receipt',
      channel: 'email',
      to: `ap-${suffix}@example.com`,
      subject: 'Payment received: $346.18',
    });

    const final = await waitFor(
      async () => {
        const payment = await call('GET', url.intake, `/v1/payments/${paymentId}`, { token: customerToken });
        return payment.body.status === 'posted' ? payment.body : undefined;
      },
      { ...POLL, what: 'intake to see the posting' },
    );
    expect(final.statusHistory.map((change: { status: string }) => change.status)).toEqual([
      'submitted',
      'scheduled',
      'posted',
    ]);

    const ledger = await call('GET', url.invoice, '/v1/ledger/verify', { token: opsToken });
    expect(ledger.body.balanced).toBe(true);
    expect(ledger.body.debitsCents).toBe(ledger.body.creditsCents);
  });

  it('refuses what the public contract refuses', async () => {
    expect((await call('GET', url.invoice, `/v1/customers/${customerId}`)).status).toBe(401);
    const otherCustomer = signToken(
      { sub: 'someone', role: 'customer', customers: ['someone-else'] },
      config.authJwtSecret,
    );
    const forbidden = await call('GET', url.invoice, `/v1/customers/${customerId}`, { token: otherCustomer });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error).toMatchObject({
      code: expect.any(String),
      message: expect.any(String),
      details: expect.any(Array),
    });

    const noKey = await call('POST', url.intake, '/v1/payments', { token: customerToken, body: {} });
    expect(noKey.status).toBe(400);
    expect(noKey.body.error.details[0].field).toBe('Idempotency-Key');

    const mismatch = await call('POST', url.intake, '/v1/payments', {
      token: customerToken,
      headers: { 'Idempotency-Key': `bad-${suffix}` },
      body: {
        customerId,
        invoices: [{ invoiceId: randomUUID() }],
        method: {
          type: 'ach',
          routingNumber: '021000021',
          accountNumber: '12345678',
          accountNumberConfirmation: '12345679',
        },
      },
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details).toEqual(
      expect.arrayContaining([expect.objectContaining({ field: 'method.accountNumberConfirmation' })]),
    );
    expect(JSON.stringify(mismatch.body)).not.toContain('12345678');

    const badRouting = await call('POST', url.intake, '/v1/payments', {
      token: customerToken,
      headers: { 'Idempotency-Key': `routing-${suffix}` },
      body: {
        customerId,
        invoices: [{ invoiceId: randomUUID() }],
        method: {
          type: 'ach',
          routingNumber: '021000022',
          accountNumber: '12345678',
          accountNumberConfirmation: '12345678',
        },
      },
    });
    expect(badRouting.status).toBe(422);
    expect(badRouting.body.error).toMatchObject({ code: 'PAYMENT.ROUTING_NUMBER_INVALID' });
    expect(badRouting.body.error.details[0].field).toBe('method.routingNumber');

    const card = await call('POST', url.intake, '/v1/payments', {
      token: customerToken,
      headers: { 'Idempotency-Key': `card-${suffix}` },
      body: {
        customerId,
        invoices: [{ invoiceId: randomUUID() }],
        method: { type: 'card', cardToken: '4111111111111111' },
      },
    });
    expect(card.status).toBe(422);
    expect(card.body.error.code).toBe('PAYMENT.CARD_NUMBER_REJECTED');

    for (const [key, base] of Object.entries(url)) {
      const health = await call('GET', base, '/health');
      expect({ key, status: health.status }).toEqual({ key, status: 200 });
    }
  });
});
