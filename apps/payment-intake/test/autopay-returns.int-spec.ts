import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { addBusinessDays } from '@remit/calendar';
import type { ReturnClass } from '@remit/contracts';
import { waitFor } from '@remit/messaging';
import { AUTOPAY_QUEUE, AutopayReturnsService, representJobId } from '../src/autopay/autopay-returns.service';
import { AutopayRunService } from '../src/autopay/autopay-run.service';
import { captureNestLogs, httpClient, testCustomer, testPublisher } from './support';
import { enrolCustomer, outboxEvents, paymentsOf, seedDueInvoice, startIntake } from './autopay-support';

/**
 * Returns of autopay debits (docs/architecture.md, flows 2 and 3): `payment.returned` is published
 * through the real broker as settlement would; re-presentments are real delayed BullMQ jobs.
 */
describe('returns of autopay debits (real PostgreSQL, Redis, Kafka)', () => {
  let app: INestApplication;
  let url: string;
  let dataSource: DataSource;
  let runs: AutopayRunService;
  let queue: Queue;
  let publisher: Awaited<ReturnType<typeof testPublisher>>;
  const logs = captureNestLogs();

  beforeAll(async () => {
    ({ app, url, dataSource } = await startIntake());
    runs = app.get(AutopayRunService);
    queue = app.get<Queue>(getQueueToken(AUTOPAY_QUEUE));
    publisher = await testPublisher();
  });

  afterAll(async () => {
    await publisher?.close();
    await app?.close();
    logs.restore();
  });

  /** An enrolled customer whose autopay run of 2027-04-01 made one debit. */
  async function autopayDebit(prefix: string, account: string) {
    const { customerId, token } = testCustomer(prefix);
    const http = httpClient(url, token);
    const paymentMethodId = await enrolCustomer(http, customerId, account);
    const invoiceId = await seedDueInvoice(dataSource, customerId, 25_000, '2027-04-01');
    const result = await runs.run('2027-04-01', customerId);
    expect(result.paid).toHaveLength(1);
    const [payment] = await paymentsOf(dataSource, customerId);
    return { customerId, http, paymentMethodId, invoiceId, payment };
  }

  async function returnPayment(
    payment: { paymentId: string; amountCents: number; event: any },
    returnCode: string,
    returnClass: ReturnClass,
  ): Promise<void> {
    const data = payment.event.data;
    await publisher.publish('payment.returned', data.customerId, {
      paymentId: payment.paymentId,
      customerId: data.customerId,
      amountCents: payment.amountCents,
      method: { type: 'saved', last4: data.method.last4 },
      returnCode,
      returnDescription: `test return ${returnCode}`,
      returnClass,
      returnedAt: new Date().toISOString(),
      businessDate: data.businessDate,
      paymentMethodId: data.method.paymentMethodId,
    });
    await waitFor(
      async () => {
        const [row] = await dataSource.query(`SELECT status FROM intake.payments WHERE payment_id = $1`, [
          payment.paymentId,
        ]);
        return row.status === 'returned' ? true : undefined;
      },
      { what: `payment ${payment.paymentId} returned`, timeoutMs: 30_000 },
    );
  }

  /** Waits for the delayed re-presentment job, checks its delay, runs it now, returns the new payment. */
  async function represented(customerId: string, originalPaymentId: string, attempt: number, returned: any) {
    const job = await waitFor(
      async () => (await queue.getJob(representJobId(originalPaymentId, attempt))) ?? undefined,
      {
        what: `re-presentment job ${attempt}`,
        timeoutMs: 30_000,
      },
    );
    expect(await job.getState()).toBe('delayed');
    const [planned] = await dataSource.query(
      `SELECT present_on::text, status FROM intake.autopay_representments WHERE original_payment_id = $1 AND attempt = $2`,
      [originalPaymentId, attempt],
    );
    expect(planned).toEqual({
      present_on: addBusinessDays(returned.event.data.businessDate, 2),
      status: 'scheduled',
    });
    await job.promote();
    const paymentId = await waitFor(
      async () => {
        const [row] = await dataSource.query(
          `SELECT payment_id FROM intake.autopay_representments WHERE original_payment_id = $1 AND attempt = $2 AND status = 'submitted'`,
          [originalPaymentId, attempt],
        );
        return row?.payment_id as string | undefined;
      },
      { what: `re-presentment ${attempt} submitted`, timeoutMs: 30_000 },
    );
    const payment = (await paymentsOf(dataSource, customerId)).find((each) => each.paymentId === paymentId);
    if (!payment) throw new Error(`no payment ${paymentId}`);
    return payment;
  }

  it('R01 is re-presented, a second R01 again, a third no more (and the customer is told)', async () => {
    const {
      customerId,
      invoiceId,
      paymentMethodId,
      payment: original,
    } = await autopayDebit('ap-r01', '71001234');

    await returnPayment(original, 'R01', 're-presentable');
    const first = await represented(customerId, original.paymentId, 1, original);
    expect(first.event.data).toMatchObject({
      origin: 'representment',
      originalPaymentId: original.paymentId,
      amountCents: 25_000,
      invoices: [{ invoiceId, amountCents: 25_000 }],
      method: { type: 'saved', paymentMethodId, last4: '1234' },
    });

    await returnPayment(first, 'R01', 're-presentable');
    const second = await represented(customerId, original.paymentId, 2, first);
    expect(second.event.data).toMatchObject({
      origin: 'representment',
      originalPaymentId: original.paymentId,
      amountCents: 25_000,
    });

    await returnPayment(second, 'R01', 're-presentable');
    const told = await waitFor(
      async () => {
        const events = await outboxEvents(dataSource, 'autopay.failed', customerId);
        return events.length > 0 ? events : undefined;
      },
      { what: 'autopay.failed after the third return', timeoutMs: 30_000 },
    );
    expect(told.map((event) => event.data)).toEqual([
      expect.objectContaining({
        code: 'AUTOPAY.NOT_REPRESENTED',
        paymentId: second.paymentId,
        reason: expect.stringMatching(/R01.*not presented again/),
      }),
    ]);
    expect(await queue.getJob(representJobId(original.paymentId, 3))).toBeUndefined();
    const attempts = await dataSource.query(
      `SELECT attempt FROM intake.autopay_representments WHERE original_payment_id = $1 ORDER BY attempt`,
      [original.paymentId],
    );
    expect(attempts).toEqual([{ attempt: 1 }, { attempt: 2 }]);
    // Three debits in all: the original and two re-presentments; the enrolment stays active.
    expect(await paymentsOf(dataSource, customerId)).toHaveLength(3);
    const [enrolment] = await dataSource.query(
      `SELECT status FROM intake.autopay_enrolments WHERE customer_id = $1`,
      [customerId],
    );
    expect(enrolment.status).toBe('active');
  });

  it('a re-presentment is not made when the invoice was paid in the meantime', async () => {
    const { customerId, payment: original } = await autopayDebit('ap-r09', '71005678');
    await returnPayment(original, 'R09', 're-presentable');
    const job = await waitFor(
      async () => (await queue.getJob(representJobId(original.paymentId, 1))) ?? undefined,
      {
        what: 'the re-presentment job',
        timeoutMs: 30_000,
      },
    );
    await dataSource.query(
      `UPDATE intake.invoice_view SET status = 'paid', amount_due_cents = 0 WHERE customer_id = $1`,
      [customerId],
    );
    await job.promote();
    await waitFor(
      async () => {
        const [row] = await dataSource.query(
          `SELECT status FROM intake.autopay_representments WHERE original_payment_id = $1`,
          [original.paymentId],
        );
        return row.status === 'not-presented' ? true : undefined;
      },
      { what: 'the re-presentment dropped', timeoutMs: 30_000 },
    );
    expect(await paymentsOf(dataSource, customerId)).toHaveLength(1);
  });

  it('a re-presentment is not made on a method disabled since (the customer is told), nor before its return is recorded', async () => {
    const { customerId, paymentMethodId, payment: original } = await autopayDebit('ap-r01-gone', '71009876');
    await expect(
      app.get(AutopayReturnsService).represent({ originalPaymentId: original.paymentId, attempt: 1 }),
    ).rejects.toThrow(/not recorded/);
    await returnPayment(original, 'R01', 're-presentable');
    const job = await waitFor(
      async () => (await queue.getJob(representJobId(original.paymentId, 1))) ?? undefined,
      { what: 'the re-presentment job', timeoutMs: 30_000 },
    );
    await dataSource.query(
      `UPDATE intake.payment_methods SET status = 'disabled', disabled_reason = 'removed' WHERE payment_method_id = $1`,
      [paymentMethodId],
    );
    await job.promote();
    const told = await waitFor(
      async () => {
        const events = await outboxEvents(dataSource, 'autopay.failed', customerId);
        return events.length > 0 ? events : undefined;
      },
      { what: 'autopay.failed', timeoutMs: 30_000 },
    );
    expect(told.map((event) => event.data)).toEqual([
      expect.objectContaining({ code: 'AUTOPAY.NOT_REPRESENTED', paymentId: original.paymentId }),
    ]);
    const [row] = await dataSource.query(
      `SELECT status FROM intake.autopay_representments WHERE original_payment_id = $1`,
      [original.paymentId],
    );
    expect(row.status).toBe('not-presented');
    expect(await paymentsOf(dataSource, customerId)).toHaveLength(1);
  });

  it('R02 disables the method, suspends the enrolment and tells the customer', async () => {
    const { customerId, http, paymentMethodId, payment } = await autopayDebit('ap-r02', '72001234');
    await returnPayment(payment, 'R02', 'account-level');
    const told = await waitFor(
      async () => {
        const events = await outboxEvents(dataSource, 'autopay.failed', customerId);
        return events.length > 0 ? events : undefined;
      },
      { what: 'autopay.failed', timeoutMs: 30_000 },
    );
    expect(told.map((event) => event.data)).toEqual([
      expect.objectContaining({ code: 'AUTOPAY.SUSPENDED', paymentId: payment.paymentId, paymentMethodId }),
    ]);
    const enrolment = await http.get(`/v1/customers/${customerId}/autopay`);
    expect(enrolment.body).toMatchObject({
      status: 'suspended',
      suspendedReason: expect.stringMatching(/R02/),
    });
    const methods = await http.get(`/v1/customers/${customerId}/payment-methods`);
    expect(methods.body).toEqual([expect.objectContaining({ paymentMethodId, status: 'disabled' })]);
    expect(await outboxEvents(dataSource, 'payment-method.disabled', customerId)).toHaveLength(1);
    expect(await queue.getJob(representJobId(payment.paymentId, 1))).toBeUndefined();
    // A suspended enrolment does not run.
    await seedDueInvoice(dataSource, customerId, 1_000, '2027-04-02');
    expect((await runs.run('2027-04-05', customerId)).paid).toEqual([]);
  });

  it('R10 (authorisation revoked) cancels the enrolment and tells the customer; the method stays usable', async () => {
    const { customerId, http, paymentMethodId, payment } = await autopayDebit('ap-r10', '73001234');
    await returnPayment(payment, 'R10', 'authorization-revoked');
    const told = await waitFor(
      async () => {
        const events = await outboxEvents(dataSource, 'autopay.failed', customerId);
        return events.length > 0 ? events : undefined;
      },
      { what: 'autopay.failed', timeoutMs: 30_000 },
    );
    expect(told.map((event) => event.data)).toEqual([
      expect.objectContaining({ code: 'AUTOPAY.CANCELED', paymentId: payment.paymentId }),
    ]);
    const enrolment = await http.get(`/v1/customers/${customerId}/autopay`);
    expect(enrolment.body).toMatchObject({
      status: 'canceled',
      suspendedReason: expect.stringMatching(/R10/),
    });
    const methods = await http.get(`/v1/customers/${customerId}/payment-methods`);
    expect(methods.body).toEqual([expect.objectContaining({ paymentMethodId, status: 'active' })]);
    expect(await queue.getJob(representJobId(payment.paymentId, 1))).toBeUndefined();
    // The customer may enrol again (a new authorisation).
    const again = await http.put(`/v1/customers/${customerId}/autopay`, { paymentMethodId });
    expect(again.body.status).toBe('active');
  });

  it('another return code: the customer is told, nothing is re-presented, the enrolment stays', async () => {
    const { customerId, payment } = await autopayDebit('ap-r06', '75001234');
    await returnPayment(payment, 'R06', 'other');
    const told = await waitFor(
      async () => {
        const events = await outboxEvents(dataSource, 'autopay.failed', customerId);
        return events.length > 0 ? events : undefined;
      },
      { what: 'autopay.failed', timeoutMs: 30_000 },
    );
    expect(told.map((event) => event.data)).toEqual([
      expect.objectContaining({ code: 'AUTOPAY.DEBIT_RETURNED', reason: expect.stringMatching(/R06/) }),
    ]);
    expect(await queue.getJob(representJobId(payment.paymentId, 1))).toBeUndefined();
    const [enrolment] = await dataSource.query(
      `SELECT status FROM intake.autopay_enrolments WHERE customer_id = $1`,
      [customerId],
    );
    expect(enrolment.status).toBe('active');
  });

  it('a return of a portal payment is none of autopay’s business', async () => {
    const { customerId, token } = testCustomer('ap-portal');
    const http = httpClient(url, token);
    const paymentMethodId = await enrolCustomer(http, customerId, '74001234');
    const invoiceId = await seedDueInvoice(dataSource, customerId, 3_000, '2027-05-03');
    const paid = await http.pay(`portal-${customerId}`, {
      customerId,
      invoices: [{ invoiceId }],
      method: { type: 'saved', paymentMethodId },
    });
    expect(paid.status).toBe(201);
    const [payment] = await paymentsOf(dataSource, customerId);
    expect(payment.event.data.origin).toBeUndefined();
    await returnPayment(payment, 'R01', 're-presentable');
    expect(await queue.getJob(representJobId(payment.paymentId, 1))).toBeUndefined();
    expect(await outboxEvents(dataSource, 'autopay.failed', customerId)).toEqual([]);
  });
});
