import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Job, Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { isBusinessDay, localDateTimeOf } from '@remit/calendar';
import { FixedClock } from '@remit/platform';
import { AUTOPAY_RUN_SCHEDULE } from '../src/autopay/autopay-dates';
import { AUTOPAY_QUEUE, AutopayReturnsService } from '../src/autopay/autopay-returns.service';
import { AutopayRunService } from '../src/autopay/autopay-run.service';
import { AUTOPAY_RUN_JOB, AutopayProcessor } from '../src/autopay/autopay.processor';
import { captureNestLogs, httpClient, testCustomer } from './support';
import {
  enrolCustomer,
  opsToken,
  outboxEvents,
  paymentsOf,
  seedDueInvoice,
  startIntake,
} from './autopay-support';

/**
 * Autopay enrolment and runs (docs/architecture.md, flow 3) against the real PostgreSQL, Redis and
 * Kafka. Runs are scoped to each test's customer (`customerId`), except the HTTP run of 2026-11-20,
 * a date on which no other test's invoice is due.
 */
describe('autopay enrolment and runs (real PostgreSQL, Redis, Kafka)', () => {
  let app: INestApplication;
  let url: string;
  let dataSource: DataSource;
  let runs: AutopayRunService;
  const logs = captureNestLogs();
  const ops = () => httpClient(url, opsToken());

  beforeAll(async () => {
    ({ app, url, dataSource } = await startIntake());
    runs = app.get(AutopayRunService);
  });

  afterAll(async () => {
    await app?.close();
    logs.restore();
  });

  function customer(prefix: string) {
    const { customerId, token } = testCustomer(prefix);
    return { customerId, http: httpClient(url, token) };
  }

  it('GET|PUT|DELETE /v1/customers/{id}/autopay: only an active saved method of the customer, 0–10 days, own customers only', async () => {
    const { customerId, http } = customer('ap-enrol');
    const other = customer('ap-other');
    expect((await http.get(`/v1/customers/${customerId}/autopay`)).status).toBe(404);

    const unknown = await http.put(`/v1/customers/${customerId}/autopay`, { paymentMethodId: randomUUID() });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error.details).toEqual([expect.objectContaining({ field: 'paymentMethodId' })]);

    const paymentMethodId = await enrolCustomer(http, customerId, '60001234', 3);
    const enrolled = await http.get(`/v1/customers/${customerId}/autopay`);
    expect(enrolled.status).toBe(200);
    expect(enrolled.body).toMatchObject({
      customerId,
      paymentMethodId,
      last4: '1234',
      daysBeforeDue: 3,
      status: 'active',
    });

    const tooEarly = await http.put(`/v1/customers/${customerId}/autopay`, {
      paymentMethodId,
      daysBeforeDue: 11,
    });
    expect(tooEarly.status).toBeGreaterThanOrEqual(400);
    expect(tooEarly.status).toBeLessThan(500);
    expect(tooEarly.body.error.details).toEqual([expect.objectContaining({ field: 'daysBeforeDue' })]);

    // Default 0 when left out.
    const changed = await http.put(`/v1/customers/${customerId}/autopay`, { paymentMethodId });
    expect(changed.status).toBe(200);
    expect(changed.body.daysBeforeDue).toBe(0);

    // Another customer's method does not qualify, nor may a customer act for another.
    const theirs = await enrolCustomer(other.http, other.customerId, '60005678');
    const notMine = await http.put(`/v1/customers/${customerId}/autopay`, { paymentMethodId: theirs });
    expect(notMine.status).toBe(422);
    expect((await http.get(`/v1/customers/${other.customerId}/autopay`)).status).toBe(403);
    expect((await http.put(`/v1/customers/${other.customerId}/autopay`, { paymentMethodId })).status).toBe(
      403,
    );

    // A disabled method does not qualify either.
    await dataSource.query(
      `UPDATE intake.payment_methods SET status = 'disabled', disabled_reason = 'R02: Account Closed' WHERE payment_method_id = $1`,
      [theirs],
    );
    const disabled = await other.http.put(`/v1/customers/${other.customerId}/autopay`, {
      paymentMethodId: theirs,
    });
    expect(disabled.status).toBe(422);
    expect(disabled.body.error.details).toEqual([
      expect.objectContaining({ field: 'paymentMethodId', code: 'disabled' }),
    ]);

    // Ops may read any customer's enrolment.
    expect((await ops().get(`/v1/customers/${customerId}/autopay`)).body.paymentMethodId).toBe(
      paymentMethodId,
    );
    expect((await http.delete(`/v1/customers/${customerId}/autopay`)).status).toBe(204);
    expect((await http.get(`/v1/customers/${customerId}/autopay`)).status).toBe(404);
  });

  it('a run twice for one date makes one payment, with the saved method, under autopay:<customer>:<date>', async () => {
    const { customerId, http } = customer('ap-twice');
    const paymentMethodId = await enrolCustomer(http, customerId, '61001111');
    const due = await seedDueInvoice(dataSource, customerId, 12_345, '2027-01-14');
    await seedDueInvoice(dataSource, customerId, 999, '2027-01-20');

    const first = await runs.run('2027-01-14', customerId);
    expect(first.paid).toEqual([{ customerId, paymentId: expect.any(String), amountCents: 12_345 }]);
    const second = await runs.run('2027-01-14', customerId);
    expect(second).toMatchObject({ paid: [], skipped: [] });
    // Even with that payment no longer in flight, the date's run record stops a second debit.
    await dataSource.query(`UPDATE intake.payments SET status = 'failed' WHERE payment_id = $1`, [
      first.paid[0].paymentId,
    ]);
    const third = await runs.run('2027-01-14', customerId);
    expect(third.paid).toEqual([]);
    expect(third.skipped).toEqual([{ customerId, reason: 'already run for 2027-01-14' }]);
    await dataSource.query(`UPDATE intake.payments SET status = 'submitted' WHERE payment_id = $1`, [
      first.paid[0].paymentId,
    ]);
    // The next day: the first invoice is in flight, the second not yet due.
    expect((await runs.run('2027-01-15', customerId)).paid).toEqual([]);

    const payments = await paymentsOf(dataSource, customerId);
    expect(payments).toHaveLength(1);
    expect(payments[0].event.data).toMatchObject({
      origin: 'autopay',
      amountCents: 12_345,
      invoices: [{ invoiceId: due, amountCents: 12_345 }],
      method: { type: 'saved', paymentMethodId, last4: '1111' },
    });
    const [run] = await dataSource.query(
      `SELECT idempotency_key, payment_id FROM intake.autopay_runs WHERE customer_id = $1`,
      [customerId],
    );
    expect(run).toEqual({
      idempotency_key: `autopay:${customerId}:2027-01-14`,
      payment_id: payments[0].paymentId,
    });
  });

  it('two workers at once make one payment (two concurrent runs, and two concurrent POST /v1/autopay/runs)', async () => {
    const a = customer('ap-race-a');
    await enrolCustomer(a.http, a.customerId, '62002222');
    await seedDueInvoice(dataSource, a.customerId, 5_000, '2027-01-19');
    const results = await Promise.all([
      runs.run('2027-01-19', a.customerId),
      runs.run('2027-01-19', a.customerId),
      runs.run('2027-01-19', a.customerId),
    ]);
    expect(results.flatMap((result) => result.paid)).toHaveLength(1);
    expect(await paymentsOf(dataSource, a.customerId)).toHaveLength(1);

    const b = customer('ap-race-b');
    await enrolCustomer(b.http, b.customerId, '62003333');
    await seedDueInvoice(dataSource, b.customerId, 7_000, '2026-11-20');
    const [one, two] = await Promise.all([
      ops().post('/v1/autopay/runs', { runDate: '2026-11-20' }),
      ops().post('/v1/autopay/runs', { runDate: '2026-11-20' }),
    ]);
    expect([one.status, two.status]).toEqual([200, 200]);
    const paidB = [...one.body.paid, ...two.body.paid].filter(
      (paid: { customerId: string }) => paid.customerId === b.customerId,
    );
    expect(paidB).toEqual([{ customerId: b.customerId, paymentId: expect.any(String), amountCents: 7_000 }]);
    expect(await paymentsOf(dataSource, b.customerId)).toHaveLength(1);

    // Runs are for ops only.
    expect((await b.http.post('/v1/autopay/runs', { runDate: '2026-11-20' })).status).toBe(403);
    expect((await ops().post('/v1/autopay/runs', { runDate: '2026-02-30' })).status).toBeGreaterThanOrEqual(
      400,
    );
  });

  it('two app instances running one date at once make one payment', async () => {
    const second = await startIntake();
    try {
      const { customerId, http } = customer('ap-instances');
      await enrolCustomer(http, customerId, '62004444');
      await seedDueInvoice(dataSource, customerId, 6_100, '2027-01-20');
      const results = await Promise.all([
        runs.run('2027-01-20', customerId),
        second.app.get(AutopayRunService).run('2027-01-20', customerId),
        runs.run('2027-01-20', customerId),
        second.app.get(AutopayRunService).run('2027-01-20', customerId),
      ]);
      expect(results.flatMap((result) => result.paid)).toEqual([
        { customerId, paymentId: expect.any(String), amountCents: 6_100 },
      ]);
      expect(await paymentsOf(dataSource, customerId)).toHaveLength(1);
    } finally {
      await second.app.close();
    }
  });

  it('an invoice a pending manual payment covers is skipped; a partly covered one pays the rest', async () => {
    const { customerId, http } = customer('ap-manual');
    await enrolCustomer(http, customerId, '63004444');
    const covered = await seedDueInvoice(dataSource, customerId, 10_000, '2027-01-21');
    const partly = await seedDueInvoice(dataSource, customerId, 7_000, '2027-01-21');
    const manual = await http.pay(randomUUID(), {
      customerId,
      invoices: [{ invoiceId: covered }, { invoiceId: partly, amountCents: 2_000 }],
      method: { type: 'check' },
    });
    expect(manual.status).toBe(201);
    expect(manual.body.status).toBe('awaiting_funds');

    const result = await runs.run('2027-01-21', customerId);
    expect(result.paid).toEqual([{ customerId, paymentId: expect.any(String), amountCents: 5_000 }]);
    const autopay = (await paymentsOf(dataSource, customerId)).find(
      (payment) => payment.paymentId === result.paid[0].paymentId,
    );
    expect(autopay?.event.data.invoices).toEqual([{ invoiceId: partly, amountCents: 5_000 }]);

    // Everything covered: nothing to pay, no run recorded.
    const alone = customer('ap-manual-all');
    await enrolCustomer(alone.http, alone.customerId, '63005555');
    const invoiceId = await seedDueInvoice(dataSource, alone.customerId, 4_000, '2027-01-21');
    expect(
      (
        await alone.http.pay(randomUUID(), {
          customerId: alone.customerId,
          invoices: [{ invoiceId }],
          method: { type: 'wire' },
        })
      ).status,
    ).toBe(201);
    expect((await runs.run('2027-01-21', alone.customerId)).paid).toEqual([]);
    expect(await paymentsOf(dataSource, alone.customerId)).toHaveLength(1);
    const recorded = await dataSource.query(`SELECT 1 FROM intake.autopay_runs WHERE customer_id = $1`, [
      alone.customerId,
    ]);
    expect(recorded).toEqual([]);
  });

  it('a due date on a weekend or a Fed holiday is paid on the business day before it', async () => {
    const { customerId, http } = customer('ap-weekend');
    await enrolCustomer(http, customerId, '64006666');
    // Saturday 2027-02-06 → Friday 02-05; Presidents' Day Monday 2027-02-15 → Friday 02-12.
    const saturday = await seedDueInvoice(dataSource, customerId, 1_100, '2027-02-06');
    const holiday = await seedDueInvoice(dataSource, customerId, 2_200, '2027-02-15');

    expect((await runs.run('2027-02-04', customerId)).paid).toEqual([]);
    const friday = await runs.run('2027-02-05', customerId);
    expect(friday.paid).toEqual([expect.objectContaining({ amountCents: 1_100 })]);
    expect((await runs.run('2027-02-11', customerId)).paid).toEqual([]);
    const beforeHoliday = await runs.run('2027-02-12', customerId);
    expect(beforeHoliday.paid).toEqual([expect.objectContaining({ amountCents: 2_200 })]);

    const payments = await paymentsOf(dataSource, customerId);
    expect(payments.map((payment) => payment.event.data.invoices)).toEqual([
      [{ invoiceId: saturday, amountCents: 1_100 }],
      [{ invoiceId: holiday, amountCents: 2_200 }],
    ]);

    // With daysBeforeDue 2 the holiday invoice of another customer pays on Wednesday 02-10.
    const early = customer('ap-early');
    await enrolCustomer(early.http, early.customerId, '64007777', 2);
    await seedDueInvoice(dataSource, early.customerId, 3_300, '2027-02-15');
    expect((await runs.run('2027-02-09', early.customerId)).paid).toEqual([]);
    expect((await runs.run('2027-02-10', early.customerId)).paid).toEqual([
      expect.objectContaining({ amountCents: 3_300 }),
    ]);
  });

  it('a customer whose method was disabled is skipped and told once (autopay.failed), the enrolment suspended', async () => {
    const { customerId, http } = customer('ap-disabled');
    const paymentMethodId = await enrolCustomer(http, customerId, '65008888');
    await seedDueInvoice(dataSource, customerId, 4_400, '2027-02-16');
    await dataSource.query(
      `UPDATE intake.payment_methods SET status = 'disabled', disabled_reason = 'R02: Account Closed' WHERE payment_method_id = $1`,
      [paymentMethodId],
    );
    const result = await runs.run('2027-02-16', customerId);
    expect(result.paid).toEqual([]);
    expect(result.skipped).toEqual([{ customerId, reason: expect.stringMatching(/disabled: R02/) }]);
    expect((await runs.run('2027-02-16', customerId)).skipped).toEqual([]);
    expect(await paymentsOf(dataSource, customerId)).toEqual([]);
    const failed = await outboxEvents(dataSource, 'autopay.failed', customerId);
    expect(failed.map((event) => event.data)).toEqual([
      {
        customerId,
        runDate: '2027-02-16',
        code: 'AUTOPAY.METHOD_DISABLED',
        reason: expect.stringMatching(/ending 8888 is disabled/),
        paymentMethodId,
      },
    ]);
    const enrolment = await http.get(`/v1/customers/${customerId}/autopay`);
    expect(enrolment.body).toMatchObject({
      status: 'suspended',
      suspendedReason: expect.stringMatching(/R02/),
    });
  });

  it('the reminder (autopay.upcoming) goes 3 business days before the autopay date, recorded once', async () => {
    const { customerId, http } = customer('ap-remind');
    const paymentMethodId = await enrolCustomer(http, customerId, '66009999', 2);
    // Due Friday 2027-03-12, 2 business days before → autopay date Wednesday 03-10.
    const invoiceId = await seedDueInvoice(dataSource, customerId, 8_800, '2027-03-12');

    expect((await runs.run('2027-03-04', customerId)).reminded).toEqual([]);
    const reminded = await runs.run('2027-03-05', customerId);
    expect(reminded.reminded).toEqual([{ customerId, autopayDate: '2027-03-10', amountCents: 8_800 }]);
    await Promise.all([runs.run('2027-03-05', customerId), runs.run('2027-03-05', customerId)]);
    expect((await runs.run('2027-03-08', customerId)).reminded).toEqual([]);
    expect((await runs.run('2027-03-10', customerId)).paid).toEqual([
      expect.objectContaining({ amountCents: 8_800 }),
    ]);

    const recorded = await dataSource.query(
      `SELECT autopay_date::text, reminded_on::text, amount_cents::int FROM intake.autopay_reminders WHERE customer_id = $1`,
      [customerId],
    );
    expect(recorded).toEqual([
      { autopay_date: '2027-03-10', reminded_on: '2027-03-05', amount_cents: 8_800 },
    ]);
    const upcoming = await outboxEvents(dataSource, 'autopay.upcoming', customerId);
    expect(upcoming.map((event) => event.data)).toEqual([
      {
        customerId,
        paymentMethodId,
        last4: '9999',
        runDate: '2027-03-10',
        amountCents: 8_800,
        invoices: [{ invoiceId, invoiceNumber: `INV-${invoiceId.slice(0, 8)}`, amountCents: 8_800 }],
      },
    ]);
  });

  it('the daily job scheduler: weekdays 06:00 New York in BullMQ, and the job skips weekends and Fed holidays', async () => {
    const queue = app.get<Queue>(getQueueToken(AUTOPAY_QUEUE));
    const scheduler = await queue.getJobScheduler(AUTOPAY_RUN_JOB);
    expect(scheduler).toMatchObject({ pattern: AUTOPAY_RUN_SCHEDULE.pattern, tz: 'America/New_York' });
    const next = localDateTimeOf(new Date(Number(scheduler?.next)));
    expect([next.hour, next.minute]).toEqual([6, 0]);
    expect(new Date(`${next.date}T12:00:00Z`).getUTCDay()).not.toBe(0);
    expect(new Date(`${next.date}T12:00:00Z`).getUTCDay()).not.toBe(6);

    const run = jest
      .spyOn(runs, 'run')
      .mockImplementation((runDate) => Promise.resolve({ runDate, paid: [], skipped: [], reminded: [] }));
    try {
      const job = { name: AUTOPAY_RUN_JOB, data: {} } as Job;
      const at = (instant: string) =>
        new AutopayProcessor(runs, app.get(AutopayReturnsService), new FixedClock(instant), queue);
      // Thanksgiving 2026, a Saturday, Christmas 2026 (a Friday): no run.
      for (const instant of ['2026-11-26T11:00:00Z', '2026-11-28T11:00:00Z', '2026-12-25T11:00:00Z']) {
        expect(isBusinessDay(localDateTimeOf(instant).date)).toBe(false);
        expect(await at(instant).process(job)).toEqual({
          skipped: expect.stringMatching(/not a business day/),
        });
      }
      expect(run).not.toHaveBeenCalled();
      await at('2026-11-27T11:00:00Z').process(job);
      expect(run).toHaveBeenCalledWith('2026-11-27');
    } finally {
      run.mockRestore();
    }
  });

  it('no bank account number in clear in the logs or the events of these runs', async () => {
    const accounts = ['60001234', '61001111', '62002222', '62003333', '63004444', '64006666', '66009999'];
    const events: { payload: unknown }[] = await dataSource.query(
      `SELECT payload FROM intake.outbox_events WHERE payload->'data'->>'customerId' LIKE 'ap-%'`,
    );
    const text = [...logs.lines, ...events.map((event) => JSON.stringify(event.payload))].join('\n');
    expect(text).toMatch(/autopay/);
    for (const account of accounts) expect(text).not.toContain(account);
  });
});
