import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { createCloudEvent } from '@remit/contracts';
import { waitFor } from '@remit/messaging';
import { ApplyPaymentService } from '../src/payments/apply-payment.service';
import { InvoiceHarness, POLL } from './invoice-harness';

describe('invoice: ledger, allocation, credit, paper fee and receipts (real PostgreSQL, Redis, Kafka)', () => {
  const harness = new InvoiceHarness();

  beforeAll(async () => {
    await harness.start();
    await harness.connectProducer();
  });

  afterEach(async () => {
    await harness.expectLedgerBalanced();
  });

  afterAll(async () => {
    await harness.expectLedgerBalanced();
    await harness.disconnectProducer();
    await harness.stop();
  });

  it('keeps a customer with three sites, and announces it', async () => {
    const { customerId, accounts } = await harness.createCustomer({ sites: 3 });
    const view = await harness.customer(customerId);
    expect(view.accounts.map((account: { accountNumber: string }) => account.accountNumber)).toEqual(
      [...accounts].sort(),
    );
    for (const [index, accountNumber] of accounts.entries()) {
      await harness.issueInvoice(accountNumber, 1000 * (index + 1), `2026-12-0${index + 1}`);
    }
    expect(await harness.customer(customerId)).toMatchObject({
      currentBalanceCents: 6000,
      creditBalanceCents: 0,
      dueBy: '2026-12-01',
    });
    const [created] = await harness.outboxPayloads(customerId, 'customer.created');
    expect(created.accounts).toHaveLength(3);
  });

  it('applies explicit and partial amounts to the chosen invoices only', async () => {
    const { customerId, accounts } = await harness.createCustomer({ sites: 2 });
    const first = await harness.issueInvoice(accounts[0], 5000, '2026-12-01');
    const second = await harness.issueInvoice(accounts[1], 3000, '2026-12-10');
    const untouched = await harness.issueInvoice(accounts[1], 4000, '2026-11-30');

    const paymentId = randomUUID();
    await harness.publish(
      'payment.posted',
      customerId,
      harness.postedData(customerId, paymentId, 5000, [
        { invoiceId: first.invoiceId, amountCents: 2000 },
        { invoiceId: second.invoiceId },
      ]),
    );
    await harness.journal(`payment:${paymentId}`);
    expect(await harness.invoice(customerId, first.invoiceId)).toMatchObject({
      amountDueCents: 3000,
      status: 'open',
    });
    expect(await harness.invoice(customerId, second.invoiceId)).toMatchObject({
      amountDueCents: 0,
      status: 'paid',
    });
    expect(await harness.invoice(customerId, untouched.invoiceId)).toMatchObject({ amountDueCents: 4000 });
    expect(await harness.customer(customerId)).toMatchObject({
      currentBalanceCents: 7000,
      creditBalanceCents: 0,
      dueBy: '2026-11-30',
    });
    const types = await harness.outboxTypes(customerId);
    expect(types).toEqual(
      expect.arrayContaining(['payment.applied', 'invoice.paid', 'invoice.balance-changed']),
    );
    const [applied] = await harness.outboxPayloads(customerId, 'payment.applied');
    expect(applied).toMatchObject({ amountCents: 5000, creditCents: 0 });
    // Versions grow per change, so intake's view ignores an older snapshot delivered late.
    const snapshots = (await harness.outboxPayloads(customerId, 'invoice.balance-changed')).filter(
      (snapshot: { invoiceId: string }) => snapshot.invoiceId === first.invoiceId,
    );
    expect(snapshots.map((snapshot: { version: number }) => snapshot.version)).toEqual([2]);
  });

  it('turns an overpayment into credit, used automatically on the next invoice, and by ops on request', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const invoice = await harness.issueInvoice(accounts[0], 6000);
    const notChosen = await harness.issueInvoice(accounts[0], 500, '2026-12-20');
    const paymentId = randomUUID();
    await harness.publish(
      'payment.posted',
      customerId,
      harness.postedData(customerId, paymentId, 10000, [{ invoiceId: invoice.invoiceId }]),
    );
    await harness.journal(`payment:${paymentId}`);
    expect(await harness.customer(customerId)).toMatchObject({
      currentBalanceCents: 500,
      creditBalanceCents: 4000,
    });
    expect(await harness.invoice(customerId, notChosen.invoiceId)).toMatchObject({ amountDueCents: 500 });

    // Ops ask for the credit to be used: it pays the invoice the customer did not choose.
    const forbidden = await harness.call('POST', `/v1/customers/${customerId}/credit/apply`, {
      token: harness.customerToken(customerId),
    });
    expect(forbidden.status).toBe(403);
    const applied = await harness.call('POST', `/v1/customers/${customerId}/credit/apply`);
    expect(applied.status).toBe(200);
    expect(applied.body).toMatchObject({
      appliedCents: 500,
      remainingCreditCents: 3500,
      applications: [
        { invoiceId: notChosen.invoiceId, invoiceNumber: notChosen.invoiceNumber, amountCents: 500 },
      ],
    });
    expect(await harness.invoice(customerId, notChosen.invoiceId)).toMatchObject({
      amountDueCents: 0,
      status: 'paid',
    });

    // A later invoice: the credit pays it at once.
    const next = await harness.issueInvoice(accounts[0], 3000, '2026-12-15');
    expect(await harness.invoice(customerId, next.invoiceId)).toMatchObject({
      amountDueCents: 0,
      status: 'paid',
    });
    expect(await harness.customer(customerId)).toMatchObject({
      currentBalanceCents: 0,
      creditBalanceCents: 500,
    });
    expect(await harness.outboxPayloads(customerId, 'credit.applied')).toEqual([
      expect.objectContaining({ appliedCents: 500, remainingCreditCents: 3500 }),
      expect.objectContaining({ appliedCents: 3000, remainingCreditCents: 500 }),
    ]);

    // Ops apply what is left when nothing is open: nothing changes.
    const nothing = await harness.call('POST', `/v1/customers/${customerId}/credit/apply`);
    expect(nothing.status).toBe(200);
    expect(nothing.body).toMatchObject({ appliedCents: 0, remainingCreditCents: 500 });

    // The activity: newest first, with a running balance that ends at balance − credit.
    const page = await harness.call('GET', `/v1/customers/${customerId}/activity?limit=2`, {
      token: harness.customerToken(customerId),
    });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(2);
    expect(page.body.items[0].balanceCents).toBe(-500);
    const all: { balanceCents: number; amountCents: number }[] = [...page.body.items];
    let cursor: string | null = page.body.nextCursor;
    while (cursor) {
      const more = await harness.call('GET', `/v1/customers/${customerId}/activity?limit=2&cursor=${cursor}`);
      all.push(...more.body.items);
      cursor = more.body.nextCursor;
    }
    // Each line's running balance is the one before it (older) plus the line.
    for (let index = 0; index < all.length - 1; index += 1) {
      expect(all[index].balanceCents).toBe(all[index + 1].balanceCents + all[index].amountCents);
    }
    expect(all[all.length - 1].balanceCents).toBe(all[all.length - 1].amountCents);
  });

  it('never over-applies an invoice under 50 concurrent postings', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const invoice = await harness.issueInvoice(accounts[0], 10000);
    const service = harness.app.get(ApplyPaymentService);
    const events = Array.from({ length: 50 }, () => {
      const paymentId = randomUUID();
      return createCloudEvent({
        type: 'payment.posted',
        source: 'settlement',
        customerId,
        data: harness.postedData(customerId, paymentId, 300, [{ invoiceId: invoice.invoiceId }]),
      });
    });
    await Promise.all(
      events.map((event) =>
        harness.dataSource.transaction((manager: EntityManager) => service.applyPosted(event, manager)),
      ),
    );
    expect(await harness.invoice(customerId, invoice.invoiceId)).toMatchObject({
      amountDueCents: 0,
      status: 'paid',
    });
    const [applied] = await harness.dataSource.query(
      `SELECT COALESCE(SUM(amount_cents), 0)::int AS cents FROM invoice.payment_applications WHERE invoice_id = $1`,
      [invoice.invoiceId],
    );
    expect(applied.cents).toBe(10000);
    expect(await harness.customer(customerId)).toMatchObject({ creditBalanceCents: 5000 });
    // The same posting delivered again (another event id) applies nothing twice.
    await harness.dataSource.transaction((manager: EntityManager) =>
      service.applyPosted({ ...events[0], id: randomUUID() }, manager),
    );
    expect(await harness.customer(customerId)).toMatchObject({ creditBalanceCents: 5000 });
  });

  it('charges the paper invoice fee on each paper invoice, until the customer switches to email', async () => {
    const { customerId, accounts } = await harness.createCustomer({ billingDelivery: 'paper' });
    const paper = await harness.issueInvoice(accounts[0], 5000);
    expect(paper).toMatchObject({ invoiceAmountCents: 6000, amountDueCents: 6000 });
    const lines = await harness.dataSource.query(
      `SELECT description, amount_cents::int AS cents FROM invoice.invoice_lines WHERE invoice_id = $1 ORDER BY position`,
      [paper.invoiceId],
    );
    expect(lines).toEqual([
      { description: 'Internet', cents: 5000 },
      { description: 'Paper Invoice Fee', cents: 1000 },
    ]);
    const fees = await harness.call('GET', `/v1/customers/${customerId}/fees`);
    expect(fees.body).toEqual([
      expect.objectContaining({
        kind: 'paper',
        amountCents: 1000,
        invoiceId: paper.invoiceId,
        status: 'charged',
      }),
    ]);

    const switched = await harness.call('PATCH', `/v1/customers/${customerId}`, {
      body: { billingDelivery: 'email' },
    });
    expect(switched.status).toBe(200);
    const email = await harness.issueInvoice(accounts[0], 5000);
    expect(email).toMatchObject({ invoiceAmountCents: 5000 });
    expect(await harness.invoice(customerId, paper.invoiceId)).toMatchObject({ invoiceAmountCents: 6000 });
    const [updated] = await harness.outboxPayloads(customerId, 'customer.updated');
    expect(updated).toMatchObject({ billingDelivery: 'email' });
    expect((await harness.outboxPayloads(customerId, 'fee.charged')).length).toBe(1);

    // Waiving the paper fee takes it off what the invoice owes; waiving again changes nothing.
    const feeId: string = fees.body[0].feeId;
    const waived = await harness.call('POST', `/v1/fees/${feeId}/waive`, { body: { reason: 'first month' } });
    expect(waived.status).toBe(200);
    expect(waived.body).toMatchObject({ status: 'waived', waivedReason: 'first month' });
    expect(await harness.invoice(customerId, paper.invoiceId)).toMatchObject({ amountDueCents: 5000 });
    // The invoice's charges, the fee and its waiver: one journal each.
    const journals = await harness.dataSource.query(
      `SELECT journal_id FROM invoice.journals WHERE journal_id = ANY($1) ORDER BY journal_id`,
      [[`invoice:${paper.invoiceId}`, `fee:${feeId}`, `waiver:${feeId}`]],
    );
    expect(journals).toHaveLength(3);
  });

  it('credits an unmatched receipt, then pays open invoices oldest due first', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const later = await harness.issueInvoice(accounts[0], 3000, '2026-12-20');
    const older = await harness.issueInvoice(accounts[0], 1500, '2026-12-01');
    const receiptId = randomUUID();
    await harness.publish('receipt.unmatched', customerId, {
      receiptId,
      type: 'check',
      customerId,
      amountCents: 2000,
      reference: 'CHK-1001',
      receivedAt: '2026-11-25T15:00:00.000Z',
      businessDate: '2026-11-25',
    });
    await harness.journal(`receipt:${receiptId}`);
    expect(await harness.invoice(customerId, older.invoiceId)).toMatchObject({
      amountDueCents: 0,
      status: 'paid',
    });
    expect(await harness.invoice(customerId, later.invoiceId)).toMatchObject({ amountDueCents: 2500 });
    expect(await harness.customer(customerId)).toMatchObject({
      currentBalanceCents: 2500,
      creditBalanceCents: 0,
    });
  });

  it('counts submitted money as pending until it posts, and drops it when canceled, failed or expired', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const invoice = await harness.issueInvoice(accounts[0], 9000);
    const paymentIds = [randomUUID(), randomUUID(), randomUUID()];
    for (const paymentId of paymentIds) {
      await harness.publish('payment.submitted', customerId, {
        paymentId,
        customerId,
        amountCents: 1000,
        currency: 'USD',
        method: { type: 'card' },
        invoices: [{ invoiceId: invoice.invoiceId }],
        submittedAt: '2026-11-25T15:00:00.000Z',
        businessDate: '2026-11-25',
      });
    }
    await waitFor(
      async () => ((await harness.customer(customerId)).pendingPaymentsCents === 3000 ? true : undefined),
      { ...POLL, what: 'three pending payments' },
    );
    const base = { customerId, amountCents: 1000, method: { type: 'card' as const } };
    await harness.publish('payment.canceled', customerId, {
      ...base,
      paymentId: paymentIds[0],
      canceledAt: '2026-11-25T16:00:00.000Z',
    });
    await harness.publish('payment.failed', customerId, {
      ...base,
      paymentId: paymentIds[1],
      code: 'CARD.DECLINED',
      reason: 'declined',
      failedAt: '2026-11-25T16:00:00.000Z',
    });
    await harness.publish('payment.expired', customerId, {
      ...base,
      paymentId: paymentIds[2],
      expiredAt: '2026-11-25T16:00:00.000Z',
    });
    await waitFor(
      async () => ((await harness.customer(customerId)).pendingPaymentsCents === 0 ? true : undefined),
      { ...POLL, what: 'no pending payments' },
    );
    expect(await harness.customer(customerId)).toMatchObject({ currentBalanceCents: 9000 });
  });

  it('refuses an unbalanced journal in the database itself', async () => {
    const journalId = `test:${randomUUID()}`;
    await expect(
      harness.dataSource.transaction(async (manager: EntityManager) => {
        await manager.query(
          `INSERT INTO invoice.journals (journal_id, customer_id, kind, memo) VALUES ($1, 'nobody', 'test', 'x')`,
          [journalId],
        );
        await manager.query(
          `INSERT INTO invoice.ledger_entries (journal_id, customer_id, account, debit_cents, credit_cents, memo)
           VALUES ($1, 'nobody', 'cash_clearing', 100, 0, 'x'), ($1, 'nobody', 'revenue', 0, 99, 'x')`,
          [journalId],
        );
      }),
    ).rejects.toThrow(/unbalanced/);
    const rows = await harness.dataSource.query(`SELECT 1 FROM invoice.journals WHERE journal_id = $1`, [
      journalId,
    ]);
    expect(rows).toHaveLength(0);
  });
});
