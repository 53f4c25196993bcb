import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { readNachaFile } from '@remit/ach';
import { waitFor } from '@remit/messaging';
import { createTestingApp, loadConfig, signToken } from '@remit/platform';
import { InvoiceModule } from '../apps/invoice/src/invoice.module';
import { PaymentIntakeModule } from '../apps/payment-intake/src/payment-intake.module';
import { SettlementModule } from '../apps/settlement/src/settlement.module';
import { SmtpSink } from '../apps/notification/test/support/smtp-sink';
import { bankReplyFile } from '../apps/settlement/test/nacha-return-file';

/**
 * Asynchronous effects cross Kafka between services: poll with a deadline, never a fixed sleep. 60 s:
 * a consumer may lag behind a previous run's leftover events on the shared broker.
 */
const POLL = { timeoutMs: 60_000, intervalMs: 200 };

type Service = 'intake' | 'invoice' | 'settlement' | 'notification';
interface Reply {
  status: number;
  body: any;
  text: string;
}

/**
 * The five flows of the product across the four services, each with its own customer. The shared
 * test clock only moves forward from one flow to the next (March 2027, a week per flow), so no flow
 * finds a business day another one already closed.
 */
describe('flows across intake, settlement, invoice and notification', () => {
  const config = loadConfig();
  const apps: Partial<Record<Service, INestApplication>> = {};
  const url: Record<Service, string> = { intake: '', invoice: '', settlement: '', notification: '' };
  const opsToken = signToken({ sub: 'ops-flows', role: 'ops', customers: [] }, config.authJwtSecret);
  /** Notification sends its emails over real SMTP to this in-process server. */
  const smtp = new SmtpSink();
  const smtpUrlBefore = process.env.SMTP_URL;

  async function call(
    method: string,
    service: Service,
    path: string,
    options: { token?: string; body?: unknown; text?: string; headers?: Record<string, string> } = {},
  ): Promise<Reply> {
    const response = await fetch(`${url[service]}${path}`, {
      method,
      headers: {
        'content-type': options.text === undefined ? 'application/json' : 'text/plain',
        authorization: `Bearer ${options.token ?? opsToken}`,
        ...options.headers,
      },
      body: options.text ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
    });
    const text = await response.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    return { status: response.status, body, text };
  }

  async function setClock(now: string): Promise<void> {
    const response = await call('PUT', 'settlement', '/v1/test/clock', { body: { now } });
    expect(response.status).toBe(200);
  }

  async function runSettlement(asOf: string): Promise<Reply> {
    const response = await call('POST', 'settlement', '/v1/settlement/run', { body: { asOf } });
    expect(response.status).toBe(200);
    return response;
  }

  /** A customer of its own with one account, and a token that may act for it only. */
  async function newCustomer(prefix: string): Promise<{
    customerId: string;
    accountNumber: string;
    email: string;
    token: string;
  }> {
    const suffix = randomUUID().slice(0, 8);
    const customerId = `${prefix}-${suffix}`;
    const accountNumber = String(1_000_000 + Math.floor(Math.random() * 8_999_999));
    const email = `ap-${customerId}@example.com`;
    const created = await call('POST', 'invoice', '/v1/customers', {
      body: {
        customerId,
        name: `Flows ${prefix}`,
        email,
        billingDelivery: 'email',
        accounts: [{ accountNumber, siteName: 'Main Site', city: 'HERND' }],
      },
    });
    expect(created.status).toBe(201);
    const token = signToken(
      { sub: `user-${suffix}`, role: 'customer', customers: [customerId] },
      config.authJwtSecret,
    );
    return { customerId, accountNumber, email, token };
  }

  async function newInvoice(accountNumber: string, amountCents: number, dueDate: string): Promise<string> {
    const invoice = await call('POST', 'invoice', '/v1/invoices', {
      body: {
        invoiceNumber: `INV-${randomUUID().slice(0, 8)}`,
        accountNumber,
        invoiceDate: '2027-03-01',
        dueDate,
        lines: [{ description: 'Internet', amountCents }],
      },
    });
    expect(invoice.status).toBe(201);
    expect(invoice.body).toMatchObject({ amountDueCents: amountCents, status: 'open' });
    return invoice.body.invoiceId as string;
  }

  /** POST /v1/payments once intake knows the invoices (it learns of them from invoice.events.v1). */
  async function submit(token: string, body: Record<string, unknown>): Promise<Reply> {
    const idempotencyKey = `flows-${randomUUID()}`;
    return waitFor(
      async () => {
        const response = await call('POST', 'intake', '/v1/payments', {
          token,
          body,
          headers: { 'Idempotency-Key': idempotencyKey },
        });
        if (response.status === 422 && response.body.error.code === 'PAYMENT.INVOICE_NOT_FOUND')
          return undefined;
        return response;
      },
      { ...POLL, what: 'intake to know the invoice' },
    );
  }

  async function paymentIn(token: string, paymentId: string, status: string): Promise<any> {
    return waitFor(
      async () => {
        const payment = await call('GET', 'intake', `/v1/payments/${paymentId}`, { token });
        return payment.body?.status === status ? payment.body : undefined;
      },
      { ...POLL, what: `payment ${paymentId} to be ${status} at intake` },
    );
  }

  async function invoicesOf(customerId: string): Promise<any[]> {
    const list = await call('GET', 'invoice', `/v1/customers/${customerId}/invoices?status=all`);
    expect(list.status).toBe(200);
    return list.body as any[];
  }

  async function invoiceWhen(
    customerId: string,
    invoiceId: string,
    test: (invoice: any) => boolean,
    what: string,
  ): Promise<any> {
    return waitFor(
      async () => {
        const found = (await invoicesOf(customerId)).find((invoice) => invoice.invoiceId === invoiceId);
        return found && test(found) ? found : undefined;
      },
      { ...POLL, what },
    );
  }

  async function customerWhen(customerId: string, test: (view: any) => boolean, what: string): Promise<any> {
    return waitFor(
      async () => {
        const view = await call('GET', 'invoice', `/v1/customers/${customerId}`);
        return test(view.body) ? view.body : undefined;
      },
      { ...POLL, what },
    );
  }

  async function notificationsOf(customerId: string, type: string): Promise<any[]> {
    const list = await call('GET', 'notification', `/v1/customers/${customerId}/notifications`);
    expect(list.status).toBe(200);
    return (list.body as { type: string }[]).filter((entry) => entry.type === type);
  }

  async function notified(customerId: string, type: string): Promise<any[]> {
    return waitFor(
      async () => {
        const found = await notificationsOf(customerId, type);
        return found.length > 0 ? found : undefined;
      },
      { ...POLL, what: `the ${type} notification of ${customerId}` },
    );
  }

  /** The day's NACHA files as sent, read back by the libs/ach reader. */
  async function achFilesOf(
    date: string,
  ): Promise<{ text: string; file: ReturnType<typeof readNachaFile> }[]> {
    const listed = await call('GET', 'settlement', `/v1/settlement/ach-files?date=${date}`);
    expect(listed.status).toBe(200);
    const files = [];
    for (const { fileId } of listed.body as { fileId: string }[]) {
      const download = await call('GET', 'settlement', `/v1/settlement/ach-files/${fileId}`);
      expect(download.status).toBe(200);
      files.push({ text: download.text, file: readNachaFile(download.text) });
    }
    return files;
  }

  /** The individual identification number settlement writes for a payment. */
  const identificationOf = (paymentId: string): string =>
    paymentId.replace(/-/g, '').slice(0, 15).toUpperCase();

  const achMethod = {
    type: 'ach',
    routingNumber: '021000021',
    accountNumber: '000123456789',
    accountNumberConfirmation: '000123456789',
    accountHolderName: 'Flows Corp',
  };

  async function ledgerBalanced(): Promise<void> {
    const ledger = await call('GET', 'invoice', '/v1/ledger/verify');
    expect(ledger.status).toBe(200);
    expect(ledger.body.balanced).toBe(true);
    expect(ledger.body.debitsCents).toBe(ledger.body.creditsCents);
  }

  /** Waits for intake's read model of the invoice to owe `amountDueCents`. */
  async function intakeSees(invoiceId: string, amountDueCents: number): Promise<void> {
    const intakeDb = apps.intake!.get(DataSource);
    await waitFor(
      async () => {
        const rows: { amount_due_cents: string }[] = await intakeDb.query(
          'SELECT amount_due_cents FROM intake.invoice_view WHERE invoice_id = $1',
          [invoiceId],
        );
        return rows.length === 1 && Number(rows[0].amount_due_cents) === amountDueCents ? rows : undefined;
      },
      { ...POLL, what: `intake to see invoice ${invoiceId} owing ${amountDueCents}` },
    );
  }

  /** The emails sent to `to` of `subject`, once `count` of them have arrived. */
  async function mailed(to: string, subject: string, count = 1): Promise<ReturnType<SmtpSink['to']>> {
    return waitFor(
      () => {
        const mails = smtp.to(to).filter((mail) => mail.subject === subject);
        return mails.length >= count ? mails : undefined;
      },
      { ...POLL, what: `${count} email(s) "${subject}" to ${to}` },
    );
  }

  beforeAll(async () => {
    await smtp.start();
    // Notification reads SMTP_URL when its module is first imported: import it once the server listens.
    process.env.SMTP_URL = `smtp://127.0.0.1:${smtp.port}`;
    const { NotificationModule } = await import('../apps/notification/src/notification.module');
    for (const [key, module] of [
      ['invoice', InvoiceModule],
      ['intake', PaymentIntakeModule],
      ['settlement', SettlementModule],
      ['notification', NotificationModule],
    ] as const) {
      const started = await createTestingApp(module);
      apps[key] = started.app;
      url[key] = started.url;
    }
  });

  afterAll(async () => {
    await call('DELETE', 'intake', '/v1/test/clock');
    for (const key of ['notification', 'settlement', 'intake', 'invoice'] as const) await apps[key]?.close();
    await smtp.stop();
    if (smtpUrlBefore === undefined) delete process.env.SMTP_URL;
    else process.env.SMTP_URL = smtpUrlBefore;
  });

  describe('1. ACH, then its return', () => {
    it('posts, returns once, reopens the invoice, charges one $25.00 fee and tells the customer', async () => {
      // Monday 2027-03-01 10:00 New York: posts Wednesday 2027-03-03.
      await setClock('2027-03-01T15:00:00Z');
      const customer = await newCustomer('flow-ach');
      const invoiceId = await newInvoice(customer.accountNumber, 12345, '2027-03-31');
      const submitted = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId }],
        method: achMethod,
      });
      expect(submitted.status).toBe(201);
      expect(submitted.body).toMatchObject({ status: 'submitted', amountCents: 12345 });
      expect(submitted.body.expectedPostingDate).toBe('2027-03-03');
      const paymentId: string = submitted.body.paymentId;
      await paymentIn(customer.token, paymentId, 'scheduled');

      // The run at the posting date closes Monday and Tuesday (NACHA file) and posts the payment.
      await setClock('2027-03-03T15:00:00Z');
      await runSettlement('2027-03-03');
      await paymentIn(customer.token, paymentId, 'posted');
      await invoiceWhen(
        customer.customerId,
        invoiceId,
        (invoice) => invoice.status === 'paid',
        'the invoice paid',
      );

      const entries = (await achFilesOf('2027-03-01')).flatMap(({ text, file }) =>
        file.batches.flatMap((batch) => batch.entries.map((entry) => ({ text, entry }))),
      );
      const mine = entries.filter(
        ({ entry }) => entry.identificationNumber.trim() === identificationOf(paymentId),
      );
      expect(mine).toHaveLength(1);
      expect(mine[0].entry).toMatchObject({ amountCents: 12345, accountNumber: '000123456789' });
      const returnFile = bankReplyFile(mine[0].text, [
        { kind: 'return', originalTraceNumber: mine[0].entry.traceNumber, returnCode: 'R01' },
      ]);

      const fed = await call('POST', 'settlement', '/v1/settlement/ach-returns', { text: returnFile });
      expect(fed.status).toBe(200);
      expect(fed.body).toMatchObject({ applied: 1, duplicates: 0, unmatched: 0 });

      const returned = await paymentIn(customer.token, paymentId, 'returned');
      // Each change at the platform clock's time, as intake recorded it.
      expect(
        returned.statusHistory.map((change: { status: string; at: string }) => [change.status, change.at]),
      ).toEqual([
        ['submitted', '2027-03-01T15:00:00.000Z'],
        ['scheduled', '2027-03-01T15:00:00.000Z'],
        ['posted', '2027-03-03T15:00:00.000Z'],
        ['returned', '2027-03-03T15:00:00.000Z'],
      ]);
      await invoiceWhen(
        customer.customerId,
        invoiceId,
        (invoice) => invoice.status === 'open' && invoice.amountDueCents === 12345,
        'the invoice to reopen',
      );
      const feeInvoices = await waitFor(
        async () => {
          const fees = (await invoicesOf(customer.customerId)).filter(
            (invoice) => invoice.invoiceNumber === `RF-${paymentId}`,
          );
          return fees.length > 0 ? fees : undefined;
        },
        { ...POLL, what: 'the return fee invoice' },
      );
      expect(feeInvoices).toHaveLength(1);
      expect(feeInvoices[0]).toMatchObject({
        invoiceAmountCents: 2500,
        amountDueCents: 2500,
        status: 'open',
      });
      const returnedNotices = await notified(customer.customerId, 'payment.returned');
      expect(returnedNotices).toHaveLength(1);
      expect(returnedNotices[0]).toMatchObject({ channel: 'email', to: customer.email });
      const [returnedMail] = await mailed(customer.email, 'Payment returned: $123.45');
      expect(returnedMail.text).toContain('R01');
      expect(returnedMail.text).toContain('A Return Fee of $25.00 applies');
      expect(returnedMail.text).toContain('6789');
      expect(returnedMail.raw).not.toContain('000123456789');
      await mailed(customer.email, 'Return Fee charged: $25.00');

      // The same file again: reported as a duplicate, and nothing moves.
      const again = await call('POST', 'settlement', '/v1/settlement/ach-returns', { text: returnFile });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ applied: 0, duplicates: 1, unmatched: 0 });
      const invoices = await invoicesOf(customer.customerId);
      expect(invoices.filter((invoice) => invoice.invoiceNumber.startsWith('RF-'))).toHaveLength(1);
      expect(invoices.find((invoice) => invoice.invoiceId === invoiceId)).toMatchObject({
        status: 'open',
        amountDueCents: 12345,
      });
      expect(await notificationsOf(customer.customerId, 'payment.returned')).toHaveLength(1);
      expect(await notificationsOf(customer.customerId, 'fee.charged')).toHaveLength(1);
      // One email per event: received at submission, the posted receipt, the return and its fee.
      const log = await call('GET', 'notification', `/v1/customers/${customer.customerId}/notifications`);
      expect(log.body.map((entry: { type: string }) => entry.type).sort()).toEqual([
        'fee.charged',
        'payment.receipt',
        'payment.received',
        'payment.returned',
      ]);
      expect(
        (await call('GET', 'intake', `/v1/payments/${paymentId}`, { token: customer.token })).body.status,
      ).toBe('returned');
      const view = await call('GET', 'invoice', `/v1/customers/${customer.customerId}`);
      expect(view.body).toMatchObject({ currentBalanceCents: 12345 + 2500, pendingPaymentsCents: 0 });
      const report = await call('GET', 'settlement', '/v1/settlement/reports/daily?date=2027-03-03');
      expect(report.status).toBe(200);
      expect(report.body).toMatchObject({
        returns: [{ returnCode: 'R01', count: 1, cents: 12345 }],
        returnFees: { count: 1, cents: 2500 },
      });

      // Open again everywhere: intake takes a new payment of the invoice and of its fee.
      const repaid = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId }, { invoiceId: feeInvoices[0].invoiceId }],
        method: { type: 'card', cardToken: 'tok_approve' },
      });
      expect(repaid.status).toBe(201);
      expect(repaid.body.amountCents).toBe(12345 + 2500);
      await paymentIn(customer.token, repaid.body.paymentId, 'posted');
      await customerWhen(
        customer.customerId,
        (body) => body.currentBalanceCents === 0 && body.pendingPaymentsCents === 0,
        'the reopened invoice and the fee paid',
      );
      await ledgerBalanced();
    });
  });

  describe('2. Check by mail', () => {
    it('awaits funds with its notice, posts on its receipt, and an unmatched receipt becomes credit', async () => {
      await setClock('2027-03-08T15:00:00Z');
      const customer = await newCustomer('flow-check');
      const invoiceId = await newInvoice(customer.accountNumber, 20000, '2027-03-31');
      const submitted = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId }],
        method: { type: 'check' },
      });
      expect(submitted.status).toBe(201);
      const paymentId: string = submitted.body.paymentId;
      // Intake and settlement each compute the expected date: 5 business days out.
      expect(submitted.body.expectedPostingDate).toBe('2027-03-15');
      expect(submitted.body.notice).toContain(`Mail the check to: ${config.checkRemitAddress}.`);
      await paymentIn(customer.token, paymentId, 'awaiting_funds');
      const awaited = await notified(customer.customerId, 'payment.check-awaited');
      expect(awaited).toHaveLength(1);
      const [awaitedMail] = await mailed(customer.email, 'Check payment of $200.00 awaited');
      expect(awaitedMail.text).toContain(config.checkRemitAddress);
      expect(awaitedMail.text).toContain('We are expecting your check for $200.00, by 2027-03-15.');
      expect(await notificationsOf(customer.customerId, 'payment.received')).toHaveLength(0);

      await setClock('2027-03-10T15:00:00Z');
      const receipt = await call('POST', 'settlement', '/v1/settlement/receipts', {
        body: {
          type: 'check',
          customerId: customer.customerId,
          amountCents: 20000,
          reference: `LBX-${paymentId}`,
          paymentId,
        },
      });
      expect(receipt.status).toBe(201);
      expect(receipt.body).toMatchObject({ outcome: 'matched', paymentId });
      await paymentIn(customer.token, paymentId, 'posted');
      await invoiceWhen(
        customer.customerId,
        invoiceId,
        (invoice) => invoice.status === 'paid',
        'the invoice paid',
      );

      const unmatched = await call('POST', 'settlement', '/v1/settlement/receipts', {
        body: {
          type: 'check',
          customerId: customer.customerId,
          amountCents: 777,
          reference: `LBX-${randomUUID()}`,
        },
      });
      expect(unmatched.status).toBe(201);
      expect(unmatched.body).toMatchObject({ outcome: 'unmatched', paymentId: null });
      const view = await customerWhen(
        customer.customerId,
        (body) => body.creditBalanceCents === 777,
        'the unmatched receipt to become credit',
      );
      expect(view).toMatchObject({ currentBalanceCents: 0, pendingPaymentsCents: 0 });

      // The credit pays part of the next invoice, and intake asks only for the rest.
      const nextInvoice = await newInvoice(customer.accountNumber, 1000, '2027-04-30');
      await invoiceWhen(
        customer.customerId,
        nextInvoice,
        (invoice) => invoice.amountDueCents === 1000 - 777,
        'the credit applied to the next invoice',
      );
      await intakeSees(nextInvoice, 1000 - 777);
      const rest = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId: nextInvoice }],
        method: { type: 'card', cardToken: 'tok_approve' },
      });
      expect(rest.status).toBe(201);
      expect(rest.body.amountCents).toBe(1000 - 777);
      await invoiceWhen(
        customer.customerId,
        nextInvoice,
        (invoice) => invoice.status === 'paid',
        'the next invoice',
      );
      expect(
        (await call('GET', 'invoice', `/v1/customers/${customer.customerId}`)).body.creditBalanceCents,
      ).toBe(0);
      await ledgerBalanced();
    });
  });

  describe('3. Card', () => {
    it('posts an approved card the same business day; a declined one fails and frees the invoice', async () => {
      // Monday 2027-03-15 11:00 New York (summer time).
      await setClock('2027-03-15T15:00:00Z');
      const customer = await newCustomer('flow-card');
      const approvedInvoice = await newInvoice(customer.accountNumber, 4004, '2027-03-31');
      const declinedInvoice = await newInvoice(customer.accountNumber, 7007, '2027-03-31');

      const approved = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId: approvedInvoice }],
        method: { type: 'card', cardToken: 'tok_approve' },
      });
      expect(approved.status).toBe(201);
      const posted = await paymentIn(customer.token, approved.body.paymentId, 'posted');
      expect(posted.businessDate).toBe('2027-03-15');
      expect(posted.expectedPostingDate).toBe('2027-03-15');
      await invoiceWhen(
        customer.customerId,
        approvedInvoice,
        (invoice) => invoice.status === 'paid',
        'the card-paid invoice',
      );

      const declined = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId: declinedInvoice }],
        method: { type: 'card', cardToken: 'tok_decline' },
      });
      expect(declined.status).toBe(201);
      const failed = await paymentIn(customer.token, declined.body.paymentId, 'failed');
      const failure = failed.statusHistory.find((change: { status: string }) => change.status === 'failed');
      expect(failure.reason).toEqual(expect.stringMatching(/declined/i));
      const [failedMail] = await mailed(customer.email, 'Payment of $70.07 failed');
      expect(failedMail.text).toContain('please pay again');
      await customerWhen(
        customer.customerId,
        (body) => body.pendingPaymentsCents === 0 && body.currentBalanceCents === 7007,
        'the declined payment to leave the pending amount',
      );

      // Not in flight any more: the whole balance can be paid again.
      const retried = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId: declinedInvoice }],
        method: { type: 'card', cardToken: 'tok_approve' },
      });
      expect(retried.status).toBe(201);
      expect(retried.body.amountCents).toBe(7007);
      await paymentIn(customer.token, retried.body.paymentId, 'posted');
      await invoiceWhen(
        customer.customerId,
        declinedInvoice,
        (invoice) => invoice.status === 'paid',
        'the invoice paid on the second card',
      );
      await ledgerBalanced();
    });
  });

  describe('4. Cancel before the cutoff', () => {
    it('cancels at intake and settlement, keeps the debit out of the NACHA file and frees the invoice', async () => {
      await setClock('2027-03-22T15:00:00Z');
      const customer = await newCustomer('flow-cancel');
      const invoiceId = await newInvoice(customer.accountNumber, 31415, '2027-04-30');
      const submitted = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId }],
        method: achMethod,
      });
      expect(submitted.status).toBe(201);
      const paymentId: string = submitted.body.paymentId;
      // A second debit of the same day, not canceled: the day's file holds it and not the first.
      const keptInvoice = await newInvoice(customer.accountNumber, 2718, '2027-04-30');
      const kept = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId: keptInvoice }],
        method: achMethod,
      });
      expect(kept.status).toBe(201);
      await paymentIn(customer.token, paymentId, 'scheduled');
      await paymentIn(customer.token, kept.body.paymentId, 'scheduled');
      await customerWhen(
        customer.customerId,
        (body) => body.pendingPaymentsCents === 31415 + 2718,
        'the pending payments',
      );

      const canceled = await call('POST', 'intake', `/v1/payments/${paymentId}/cancel`, {
        token: customer.token,
      });
      expect(canceled.status).toBe(200);
      expect(canceled.body.status).toBe('canceled');

      // Settlement cancels its entry and publishes payment.canceled (sent from its outbox).
      const settlementDb = apps.settlement!.get(DataSource);
      await waitFor(
        async () => {
          const rows: { sent_at: Date | null }[] = await settlementDb.query(
            `SELECT sent_at FROM settlement.outbox_events WHERE event_type = 'payment.canceled' AND payload->>'subject' = $1`,
            [paymentId],
          );
          return rows.length === 1 && rows[0].sent_at ? rows : undefined;
        },
        { ...POLL, what: 'settlement to publish payment.canceled' },
      );
      await customerWhen(
        customer.customerId,
        (body) => body.pendingPaymentsCents === 2718 && body.currentBalanceCents === 31415 + 2718,
        'the invoice pending released',
      );

      await setClock('2027-03-24T15:00:00Z');
      const run = await runSettlement('2027-03-24');
      expect(run.body.postedPaymentIds).not.toContain(paymentId);
      const entries = (await achFilesOf('2027-03-22')).flatMap(({ file }) =>
        file.batches.flatMap((batch) => batch.entries),
      );
      const identifications = entries.map((entry) => entry.identificationNumber.trim());
      expect(identifications).toContain(identificationOf(kept.body.paymentId));
      expect(identifications).not.toContain(identificationOf(paymentId));
      expect(run.body.postedPaymentIds).toContain(kept.body.paymentId);
      await paymentIn(customer.token, kept.body.paymentId, 'posted');
      const final = await call('GET', 'intake', `/v1/payments/${paymentId}`, { token: customer.token });
      expect(final.body.status).toBe('canceled');
      expect(
        (await invoicesOf(customer.customerId)).find((invoice) => invoice.invoiceId === invoiceId),
      ).toMatchObject({ status: 'open', amountDueCents: 31415 });
      await invoiceWhen(
        customer.customerId,
        keptInvoice,
        (invoice) => invoice.status === 'paid',
        'the kept debit',
      );
      const again = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId }],
        method: { type: 'card', cardToken: 'tok_approve' },
      });
      expect(again.status).toBe(201);
      expect(again.body.amountCents).toBe(31415);
      await invoiceWhen(
        customer.customerId,
        invoiceId,
        (invoice) => invoice.status === 'paid',
        'the invoice paid again',
      );
      await ledgerBalanced();
    });
  });

  describe('5. Saved method and autopay', () => {
    it('remembers the account, enrols it, and a run pays the due invoice once; settlement posts it', async () => {
      await setClock('2027-03-29T15:00:00Z');
      const customer = await newCustomer('flow-autopay');
      const firstInvoice = await newInvoice(customer.accountNumber, 10000, '2027-04-30');
      const first = await submit(customer.token, {
        customerId: customer.customerId,
        invoices: [{ invoiceId: firstInvoice }],
        method: { ...achMethod, remember: true, autopay: true },
      });
      expect(first.status).toBe(201);
      const methods = await call('GET', 'intake', `/v1/customers/${customer.customerId}/payment-methods`, {
        token: customer.token,
      });
      expect(methods.status).toBe(200);
      expect(methods.body).toHaveLength(1);
      expect(methods.body[0]).toMatchObject({ last4: '6789' });
      const enrolment = await call('GET', 'intake', `/v1/customers/${customer.customerId}/autopay`, {
        token: customer.token,
      });
      expect(enrolment.status).toBe(200);
      expect(enrolment.body).toMatchObject({
        status: 'active',
        paymentMethodId: methods.body[0].paymentMethodId,
      });

      const dueInvoice = await newInvoice(customer.accountNumber, 5005, '2027-03-31');
      const intakeDb = apps.intake!.get(DataSource);
      await waitFor(
        async () => {
          const rows: unknown[] = await intakeDb.query(
            `SELECT 1 FROM intake.invoice_view WHERE invoice_id = $1`,
            [dueInvoice],
          );
          return rows.length === 1 ? rows : undefined;
        },
        { ...POLL, what: 'intake to know the due invoice' },
      );

      // Wednesday 07:00 New York, the autopay date of an invoice due that day.
      await setClock('2027-03-31T11:00:00Z');
      const run = await call('POST', 'intake', '/v1/autopay/runs', {
        body: { runDate: '2027-03-31', customerId: customer.customerId },
      });
      expect(run.status).toBe(200);
      expect(run.body.paid).toEqual([
        { customerId: customer.customerId, paymentId: expect.any(String), amountCents: 5005 },
      ]);
      const autopayPaymentId: string = run.body.paid[0].paymentId;
      const rerun = await call('POST', 'intake', '/v1/autopay/runs', {
        body: { runDate: '2027-03-31', customerId: customer.customerId },
      });
      expect(rerun.status).toBe(200);
      expect(
        rerun.body.paid.filter((paid: { paymentId: string }) => paid.paymentId !== autopayPaymentId),
      ).toEqual([]);
      const payments = await call('GET', 'intake', `/v1/customers/${customer.customerId}/payments`, {
        token: customer.token,
      });
      expect(payments.body.map((payment: { paymentId: string }) => payment.paymentId).sort()).toEqual(
        [first.body.paymentId, autopayPaymentId].sort(),
      );

      const scheduled = await paymentIn(customer.token, autopayPaymentId, 'scheduled');
      expect(scheduled).toMatchObject({ amountCents: 5005, method: { type: 'saved', last4: '6789' } });
      expect(scheduled.expectedPostingDate).toBe('2027-04-02');

      await setClock('2027-04-02T15:00:00Z');
      await runSettlement('2027-04-02');
      // The saved account, sealed again for this payment, reaches the bank in Wednesday's file.
      const autopayEntries = (await achFilesOf('2027-03-31'))
        .flatMap(({ file }) => file.batches.flatMap((batch) => batch.entries))
        .filter((entry) => entry.identificationNumber.trim() === identificationOf(autopayPaymentId));
      expect(autopayEntries).toHaveLength(1);
      expect(autopayEntries[0]).toMatchObject({
        amountCents: 5005,
        routingNumber: '021000021',
        accountNumber: '000123456789',
      });
      await paymentIn(customer.token, autopayPaymentId, 'posted');
      await invoiceWhen(
        customer.customerId,
        dueInvoice,
        (invoice) => invoice.status === 'paid',
        'the due invoice paid',
      );
      await paymentIn(customer.token, first.body.paymentId, 'posted');
      await invoiceWhen(
        customer.customerId,
        firstInvoice,
        (invoice) => invoice.status === 'paid',
        'the first invoice paid',
      );
      await ledgerBalanced();
    });
  });
});
