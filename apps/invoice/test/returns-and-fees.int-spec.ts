import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Client } from 'pg';
import { waitFor } from '@remit/messaging';
import { bullConnectionOptions } from '@remit/platform';
import { RETURN_FEE_QUEUE, returnFeeJobId, type ReturnFeeJob } from '../src/fees/return-fee-queue';
import { ReturnFeeService } from '../src/fees/return-fee.service';
import { InvoiceHarness, POLL } from './invoice-harness';

describe('invoice: returned payments, the return fee exactly once, and waivers (real PostgreSQL, Redis, Kafka)', () => {
  const harness = new InvoiceHarness();
  let queue: Queue<ReturnFeeJob>;

  async function returnFees(
    paymentId: string,
  ): Promise<{ fee_id: string; invoice_id: string; status: string }[]> {
    return harness.dataSource.query(
      `SELECT fee_id, invoice_id, status FROM invoice.fees WHERE kind = 'return' AND payment_id = $1`,
      [paymentId],
    );
  }

  async function postAndWait(
    customerId: string,
    amountCents: number,
    invoices: { invoiceId: string; amountCents?: number }[],
  ): Promise<string> {
    const paymentId = randomUUID();
    await harness.publish(
      'payment.posted',
      customerId,
      harness.postedData(customerId, paymentId, amountCents, invoices),
    );
    await harness.journal(`payment:${paymentId}`);
    return paymentId;
  }

  /** A re-presentment of `original` (intake's `payment.submitted`), posted and applied to `invoiceId`. */
  async function representAndPost(
    customerId: string,
    original: string,
    amountCents: number,
    invoiceId: string,
  ): Promise<string> {
    const representment = randomUUID();
    await harness.publish('payment.submitted', customerId, {
      paymentId: representment,
      customerId,
      amountCents,
      currency: 'USD',
      method: { type: 'ach', last4: '6789' },
      invoices: [{ invoiceId }],
      submittedAt: '2026-11-27T15:00:00.000Z',
      businessDate: '2026-11-27',
      origin: 'representment',
      originalPaymentId: original,
    });
    await harness.publish(
      'payment.posted',
      customerId,
      harness.postedData(customerId, representment, amountCents, [{ invoiceId }]),
    );
    await harness.journal(`payment:${representment}`);
    return representment;
  }

  beforeAll(async () => {
    await harness.start();
    await harness.connectProducer();
    queue = new Queue<ReturnFeeJob>(RETURN_FEE_QUEUE, {
      connection: bullConnectionOptions(harness.config),
      prefix: 'remit',
    });
    // Friday 2026-11-27 10:00 New York: the day the returns below arrive.
    const clock = await harness.call('PUT', '/v1/test/clock', { body: { now: '2026-11-27T15:00:00Z' } });
    expect(clock.status).toBe(200);
  });

  afterEach(async () => {
    await harness.expectLedgerBalanced();
  });

  afterAll(async () => {
    await harness.expectLedgerBalanced();
    await harness.call('DELETE', '/v1/test/clock');
    await queue.close();
    await harness.disconnectProducer();
    await harness.stop();
  });

  it('reverses exactly the returned payment and charges one return fee, however often the return arrives', async () => {
    const { customerId, accounts } = await harness.createCustomer({ sites: 2 });
    // Another payment's money is not touched by this payment's return.
    const other = await harness.issueInvoice(accounts[1], 800, '2026-12-12');
    await postAndWait(customerId, 800, [{ invoiceId: other.invoiceId }]);
    const first = await harness.issueInvoice(accounts[0], 4000, '2026-12-01');
    const second = await harness.issueInvoice(accounts[1], 3000, '2026-12-05');
    const paymentId = await postAndWait(customerId, 9000, [
      { invoiceId: first.invoiceId },
      { invoiceId: second.invoiceId },
    ]);
    // Its 2000 cents of credit pay most of a later invoice.
    const third = await harness.issueInvoice(accounts[0], 1500, '2026-12-10');
    expect(await harness.customer(customerId)).toMatchObject({
      currentBalanceCents: 0,
      creditBalanceCents: 500,
    });

    const returned = harness.returnedData(customerId, paymentId, 9000);
    const firstDelivery = await harness.publish('payment.returned', customerId, returned);
    await harness.publish('payment.returned', customerId, returned, firstDelivery); // the same message again
    const deliveries = [
      firstDelivery,
      // Settlement sends it twice more, as new messages.
      await harness.publish('payment.returned', customerId, returned),
      await harness.publish('payment.returned', customerId, returned),
    ];

    await harness.journal(`reversal:${paymentId}`);
    const fee = await waitFor(
      async () => {
        const fees = await returnFees(paymentId);
        return fees.length > 0 ? fees : undefined;
      },
      { ...POLL, what: 'the return fee' },
    );
    // Every return message has been consumed before counting.
    await waitFor(
      async () => {
        const [row] = await harness.dataSource.query(
          `SELECT count(*)::int AS count FROM invoice.inbox_events WHERE event_id = ANY($1)`,
          [deliveries],
        );
        return row.count === 3 ? true : undefined;
      },
      { ...POLL, what: 'the three return messages' },
    );
    await waitFor(
      async () => ((await queue.getJob(returnFeeJobId(paymentId)))?.finishedOn ? true : undefined),
      {
        ...POLL,
        what: 'the return fee job',
      },
    );

    expect(await harness.invoice(customerId, first.invoiceId)).toMatchObject({
      amountDueCents: 4000,
      status: 'open',
    });
    expect(await harness.invoice(customerId, second.invoiceId)).toMatchObject({
      amountDueCents: 3000,
      status: 'open',
    });
    expect(await harness.invoice(customerId, third.invoiceId)).toMatchObject({
      amountDueCents: 1500,
      status: 'open',
    });
    expect(await harness.invoice(customerId, other.invoiceId)).toMatchObject({
      amountDueCents: 0,
      status: 'paid',
    });
    const feeInvoice = await harness.invoice(customerId, fee[0].invoice_id);
    expect(feeInvoice).toMatchObject({
      invoiceNumber: `RF-${paymentId}`,
      invoiceAmountCents: 2500,
      amountDueCents: 2500,
      invoiceDate: '2026-11-27',
      dueDate: '2026-11-27',
      status: 'open',
    });
    expect(await harness.customer(customerId)).toMatchObject({
      currentBalanceCents: 4000 + 3000 + 1500 + 2500,
      creditBalanceCents: 0,
      dueBy: '2026-11-27',
    });
    const reversed = await harness.outboxPayloads(customerId, 'payment.reversed');
    expect(reversed).toHaveLength(1);
    expect(reversed[0]).toMatchObject({ paymentId, creditReversedCents: 500, returnCode: 'R01' });
    expect(reversed[0].reversals).toHaveLength(3);
    const charged = await harness.outboxPayloads(customerId, 'fee.charged');
    expect(charged).toEqual([
      expect.objectContaining({ kind: 'return', amountCents: 2500, paymentId, returnCode: 'R01' }),
    ]);

    // A job added again under another id (a lost job id, a sweep) and concurrent charges: still one fee.
    const again = await queue.add('charge', { paymentId }, { jobId: `manual-${randomUUID()}` });
    await waitFor(async () => ((await queue.getJob(again.id!))?.finishedOn ? true : undefined), {
      ...POLL,
      what: 'the repeated job',
    });
    const service = harness.app.get(ReturnFeeService);
    const outcomes = await Promise.all(Array.from({ length: 5 }, () => service.charge(paymentId)));
    expect(outcomes.every((outcome) => !outcome.charged)).toBe(true);
    expect(await returnFees(paymentId)).toHaveLength(1);
    expect(await harness.outboxPayloads(customerId, 'fee.charged')).toHaveLength(1);
  });

  it('waives a fee through the ledger once; waiving again changes nothing', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const invoice = await harness.issueInvoice(accounts[0], 2000);
    const paymentId = await postAndWait(customerId, 2000, [{ invoiceId: invoice.invoiceId }]);
    await harness.publish('payment.returned', customerId, harness.returnedData(customerId, paymentId, 2000));
    const [fee] = await waitFor(
      async () => {
        const fees = await returnFees(paymentId);
        return fees.length > 0 ? fees : undefined;
      },
      { ...POLL, what: 'the return fee' },
    );

    const noReason = await harness.call('POST', `/v1/fees/${fee.fee_id}/waive`, { body: {} });
    expect(noReason.status).toBe(400);
    const asCustomer = await harness.call('POST', `/v1/fees/${fee.fee_id}/waive`, {
      token: harness.customerToken(customerId),
      body: { reason: 'please' },
    });
    expect(asCustomer.status).toBe(403);
    const unknown = await harness.call('POST', `/v1/fees/${randomUUID()}/waive`, { body: { reason: 'x' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('FEE.NOT_FOUND');

    const waived = await harness.call('POST', `/v1/fees/${fee.fee_id}/waive`, {
      body: { reason: 'bank error' },
    });
    expect(waived.status).toBe(200);
    expect(waived.body).toMatchObject({
      feeId: fee.fee_id,
      status: 'waived',
      waivedReason: 'bank error',
      waivedBy: 'ops-invoice-test',
    });
    const twice = await harness.call('POST', `/v1/fees/${fee.fee_id}/waive`, { body: { reason: 'again' } });
    expect(twice.status).toBe(200);
    expect(twice.body).toEqual(waived.body);

    expect(await harness.invoice(customerId, fee.invoice_id)).toMatchObject({
      amountDueCents: 0,
      status: 'paid',
    });
    expect(await harness.customer(customerId)).toMatchObject({
      currentBalanceCents: 2000,
      creditBalanceCents: 0,
    });
    expect(await harness.outboxPayloads(customerId, 'fee.waived')).toEqual([
      expect.objectContaining({ feeId: fee.fee_id, kind: 'return', amountCents: 2500, reason: 'bank error' }),
    ]);
    const [journals] = await harness.dataSource.query(
      `SELECT count(*)::int AS count FROM invoice.journals WHERE journal_id = $1`,
      [`waiver:${fee.fee_id}`],
    );
    expect(journals.count).toBe(1);
  });

  it('charges one fee when the job fails after its insert and a new instance finishes it', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const invoice = await harness.issueInvoice(accounts[0], 5000);
    const paymentId = await postAndWait(customerId, 5000, [{ invoiceId: invoice.invoiceId }]);
    // The job dies after its fee row is written, before it commits (as a killed worker would).
    const fault = `invoice.test_fee_fault_${paymentId.replace(/-/g, '')}`;
    await harness.dataSource.query(
      `CREATE FUNCTION ${fault}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'worker killed mid-job'; END $$`,
    );
    await harness.dataSource.query(
      `CREATE TRIGGER test_fee_fault_${paymentId.replace(/-/g, '')} AFTER INSERT ON invoice.fees FOR EACH ROW
       WHEN (NEW.payment_id = '${paymentId}') EXECUTE FUNCTION ${fault}()`,
    );
    try {
      await harness.publish(
        'payment.returned',
        customerId,
        harness.returnedData(customerId, paymentId, 5000),
      );
      await waitFor(
        async () => {
          const job = await queue.getJob(returnFeeJobId(paymentId));
          return job && job.attemptsMade >= 1 ? job : undefined;
        },
        { ...POLL, what: 'the return fee job to fail once' },
      );
      expect(await returnFees(paymentId)).toHaveLength(0);
      // The instance goes away; its job is left to be retried.
      await harness.stop();
      await harness.start();
    } finally {
      await harness.dataSource.query(
        `DROP TRIGGER IF EXISTS test_fee_fault_${paymentId.replace(/-/g, '')} ON invoice.fees`,
      );
      await harness.dataSource.query(`DROP FUNCTION IF EXISTS ${fault}()`);
    }
    await waitFor(
      async () => ((await queue.getJob(returnFeeJobId(paymentId)))?.finishedOn ? true : undefined),
      {
        ...POLL,
        what: 'the new instance to finish the job',
      },
    );
    expect(await returnFees(paymentId)).toHaveLength(1);
    expect(await harness.outboxPayloads(customerId, 'fee.charged')).toHaveLength(1);
    expect(await harness.customer(customerId)).toMatchObject({ currentBalanceCents: 5000 + 2500 });
  });

  it('charges one fee when the app is closed while the job is inside its transaction', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const invoice = await harness.issueInvoice(accounts[0], 4200);
    const paymentId = await postAndWait(customerId, 4200, [{ invoiceId: invoice.invoiceId }]);
    const suffix = paymentId.replace(/-/g, '');
    const lockKey = Math.floor(Math.random() * 2 ** 30) + 1;
    // The test's own session holds an advisory lock; the job, once its fee row is written, waits for it:
    // the job is then running, its transaction open, when the app is closed under it.
    const holder = new Client({ connectionString: harness.config.databaseUrl });
    await holder.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [lockKey]);
      await holder.query(
        `CREATE FUNCTION invoice.test_fee_hold_${suffix}() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN PERFORM pg_advisory_xact_lock(${lockKey}); RETURN NULL; END $$`,
      );
      await holder.query(
        `CREATE TRIGGER test_fee_hold_${suffix} AFTER INSERT ON invoice.fees FOR EACH ROW
         WHEN (NEW.payment_id = '${paymentId}') EXECUTE FUNCTION invoice.test_fee_hold_${suffix}()`,
      );
      await harness.publish(
        'payment.returned',
        customerId,
        harness.returnedData(customerId, paymentId, 4200),
      );
      const waiting = `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid = 0 AND objid = $1`;
      await waitFor(async () => ((await holder.query(waiting, [lockKey])).rowCount! > 0 ? true : undefined), {
        ...POLL,
        what: 'the job to be inside its transaction',
      });
      // The app goes down while the job runs: its database session dies with it.
      const closing = harness.stop();
      await holder.query(`SELECT pg_terminate_backend(pid) FROM (${waiting}) AS job`, [lockKey]);
      await closing;
      expect(
        (
          await holder.query(`SELECT 1 FROM invoice.fees WHERE kind = 'return' AND payment_id = $1`, [
            paymentId,
          ])
        ).rowCount,
      ).toBe(0);
    } finally {
      await holder.query(`DROP TRIGGER IF EXISTS test_fee_hold_${suffix} ON invoice.fees`);
      await holder.query(`DROP FUNCTION IF EXISTS invoice.test_fee_hold_${suffix}()`);
      await holder.query('SELECT pg_advisory_unlock($1)', [lockKey]);
      await holder.end();
    }

    await harness.start();
    await waitFor(
      async () => ((await queue.getJob(returnFeeJobId(paymentId)))?.finishedOn ? true : undefined),
      {
        ...POLL,
        what: 'the new instance to finish the job',
      },
    );
    expect(await returnFees(paymentId)).toHaveLength(1);
    expect(await harness.outboxPayloads(customerId, 'fee.charged')).toHaveLength(1);
    expect(await harness.customer(customerId)).toMatchObject({ currentBalanceCents: 4200 + 2500 });
  });

  it('charges, from the sweep, the fee of a return whose job was lost', async () => {
    const { customerId } = await harness.createCustomer();
    const paymentId = randomUUID();
    // A reversal committed an hour ago whose job never reached Redis.
    await harness.dataSource.query(
      `INSERT INTO invoice.payment_reversals (payment_id, customer_id, return_code, reversed_cents, reversed_at)
       VALUES ($1, $2, 'R09', 0, '2026-11-27T14:00:00Z')`,
      [paymentId, customerId],
    );
    const service = harness.app.get(ReturnFeeService);
    // The scheduled sweep may get there first; either way it is the sweep that charges, and once.
    await service.sweep();
    expect((await service.sweep()).charged).not.toContain(paymentId);
    expect(await returnFees(paymentId)).toHaveLength(1);
    expect(await harness.customer(customerId)).toMatchObject({ currentBalanceCents: 2500 });
  });

  it('charges no second fee when a re-presentment of a returned payment is returned again', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const invoice = await harness.issueInvoice(accounts[0], 3000);
    const original = await postAndWait(customerId, 3000, [{ invoiceId: invoice.invoiceId }]);
    await harness.publish('payment.returned', customerId, harness.returnedData(customerId, original, 3000));
    await waitFor(async () => ((await returnFees(original)).length > 0 ? true : undefined), {
      ...POLL,
      what: 'the first return fee',
    });

    const representment = await representAndPost(customerId, original, 3000, invoice.invoiceId);
    expect(await harness.invoice(customerId, invoice.invoiceId)).toMatchObject({ amountDueCents: 0 });
    await harness.publish(
      'payment.returned',
      customerId,
      harness.returnedData(customerId, representment, 3000),
    );
    await harness.journal(`reversal:${representment}`);
    const job = await waitFor(
      async () => {
        const found = await queue.getJob(returnFeeJobId(representment));
        return found?.finishedOn ? found : undefined;
      },
      { ...POLL, what: "the re-presentment's fee job" },
    );
    expect(job.returnvalue).toMatchObject({ charged: false, reason: 'already-charged' });
    expect(await returnFees(representment)).toHaveLength(0);
    expect(await returnFees(original)).toHaveLength(1);
    expect(await harness.invoice(customerId, invoice.invoiceId)).toMatchObject({
      amountDueCents: 3000,
      status: 'open',
    });
    expect(await harness.customer(customerId)).toMatchObject({ currentBalanceCents: 3000 + 2500 });

    // Its reversal carries no fee of its own id, yet the original's fee covers it: the sweep must not
    // take it up again once it is past the sweep's grace (it did at every round, oldest first).
    await harness.dataSource.query(
      `UPDATE invoice.payment_reversals SET reversed_at = reversed_at - interval '1 day' WHERE payment_id = $1`,
      [representment],
    );
    const service = harness.app.get(ReturnFeeService);
    const charge = jest.spyOn(service, 'charge');
    try {
      await service.sweep();
      expect(charge).not.toHaveBeenCalledWith(representment);
    } finally {
      charge.mockRestore();
    }
  });

  it("charges one fee when a re-presentment is returned before its original's fee was charged", async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const invoice = await harness.issueInvoice(accounts[0], 3000);
    // The original was returned but its fee job was lost: its reversal, no fee (as in the sweep test).
    const original = randomUUID();
    await harness.dataSource.query(
      `INSERT INTO invoice.payment_reversals (payment_id, customer_id, return_code, reversed_cents, reversed_at)
       VALUES ($1, $2, 'R01', 0, now())`,
      [original, customerId],
    );
    const representment = await representAndPost(customerId, original, 3000, invoice.invoiceId);
    await harness.publish(
      'payment.returned',
      customerId,
      harness.returnedData(customerId, representment, 3000),
    );
    const job = await waitFor(
      async () => {
        const found = await queue.getJob(returnFeeJobId(representment));
        return found?.finishedOn ? found : undefined;
      },
      { ...POLL, what: "the re-presentment's fee job" },
    );
    expect(job.returnvalue).toMatchObject({ charged: true });
    // The fee is the original's: charging the original now (its job, the sweep) finds it.
    const service = harness.app.get(ReturnFeeService);
    expect(await service.charge(original)).toMatchObject({ charged: false, reason: 'already-charged' });
    expect(await returnFees(original)).toHaveLength(1);
    expect(await returnFees(representment)).toHaveLength(0);
    expect(await harness.customer(customerId)).toMatchObject({ currentBalanceCents: 3000 + 2500 });
  });
});
