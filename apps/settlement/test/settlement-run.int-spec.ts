import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { addBusinessDays, nextBusinessDay, POSTING_BUSINESS_DAYS } from '@remit/calendar';
import { createCloudEvent, type AnyCloudEvent } from '@remit/contracts';
import { waitFor } from '@remit/messaging';
import { createTestingApp, indexesOfPlans, PlatformClock, StatementRecorder } from '@remit/platform';
import { CancelPaymentService } from '../src/cancel/cancel-payment.service';
import { POSTING_CHUNK_SIZE, PostPaymentService } from '../src/postings/post-payment.service';
import { PostingProcessor } from '../src/postings/posting.processor';
import { SettlementModule } from '../src/settlement.module';
import { methodOf, submittedEvent, uniqueYear } from './support';
import { SchedulePaymentService } from '../src/postings/schedule-payment.service';

/**
 * The settlement run and the sweep post due payments in chunks (PostPaymentService.postDue): each
 * payment exactly once, with the same `payment.posted` as ever, never one canceled meanwhile, and
 * safely alongside the per-payment posting jobs, another sweep and transactions holding payments.
 */
describe('settlement run in chunks (real PostgreSQL, Redis)', () => {
  let app: INestApplication;
  let dataSource: DataSource;
  let clock: PlatformClock;
  let postings: PostPaymentService;

  beforeAll(async () => {
    ({ app } = await createTestingApp(SettlementModule));
    dataSource = app.get(DataSource);
    clock = app.get(PlatformClock);
    postings = app.get(PostPaymentService);
    // No scheduled sweep in the middle of a test: the tests run the posters themselves.
    await app.get(PostingProcessor).worker.pause();
  });

  afterAll(async () => {
    await clock.reset();
    await app.close();
  });

  interface Submitted {
    paymentId: string;
    customerId: string;
    amountCents: number;
    correlationId: string;
    invoices: { invoiceId: string }[];
    postingDate: string;
  }

  /** ach payments submitted on `businessDate` (at 10:00 New York), scheduled in one transaction each. */
  async function submit(customerId: string, businessDate: string, count: number): Promise<Submitted[]> {
    const submittedAt = `${businessDate}T15:00:00Z`;
    await clock.set(new Date(submittedAt));
    const submitted: Submitted[] = [];
    for (let index = 0; index < count; index += 1) {
      const event = submittedEvent({
        customerId,
        method: methodOf('ach'),
        businessDate,
        submittedAt,
        amountCents: 1_000 + index,
      });
      await dataSource.transaction((manager) => app.get(SchedulePaymentService).onSubmitted(event, manager));
      submitted.push({
        paymentId: event.data.paymentId,
        customerId,
        amountCents: event.data.amountCents,
        correlationId: event.correlationid,
        invoices: event.data.invoices,
        postingDate: addBusinessDays(businessDate, POSTING_BUSINESS_DAYS.ach),
      });
    }
    return submitted;
  }

  async function postedEventsOf(paymentIds: string[]): Promise<AnyCloudEvent[]> {
    const rows = await dataSource.query<{ payload: AnyCloudEvent }[]>(
      `SELECT payload FROM settlement.outbox_events
        WHERE event_type = 'payment.posted' AND payload->>'subject' = ANY($1) ORDER BY seq`,
      [paymentIds],
    );
    return rows.map((row) => row.payload);
  }

  async function statusOf(paymentId: string): Promise<string | undefined> {
    const [row] = await dataSource.query<{ status: string }[]>(
      `SELECT status FROM settlement.settlement_payments WHERE payment_id = $1`,
      [paymentId],
    );
    return row?.status;
  }

  function byPostingDate(a: Submitted, b: Submitted): number {
    return a.postingDate.localeCompare(b.postingDate) || a.paymentId.localeCompare(b.paymentId);
  }

  it('reads the due payments through settlement_payments_due_idx, in the plan made for the date and in the generic one', async () => {
    const customerId = `run-${randomUUID().slice(0, 8)}`;
    const monday = nextBusinessDay(`${uniqueYear()}-03-01`);
    // A history: 300 payments posted by an earlier run; then one due.
    const history = await submit(customerId, monday, 300);
    const asOf = history[0].postingDate;
    await clock.set(new Date(`${asOf}T15:00:00.000Z`));
    await postings.run(asOf);
    await submit(customerId, monday, 1);
    await clock.set(new Date(`${asOf}T15:00:00.000Z`));
    await dataSource.query('ANALYZE settlement.settlement_payments');

    const statements = await new StatementRecorder().record(() => postings.run(asOf));
    // The read of the next due payment and the chunk's locked read; the status is written out (equalsLiteral).
    const dueReads = statements.filter(
      (sql) => /FROM "settlement"\."settlement_payments"/.test(sql) && /^SELECT/.test(sql),
    );
    expect(dueReads.length).toBeGreaterThanOrEqual(2);
    for (const sql of dueReads) {
      expect(sql).toContain(`"status" = 'scheduled'`);
      expect(sql.match(/\$\d+/g)).toEqual(['$1']);
      expect(await indexesOfPlans(dataSource, sql, [asOf])).toEqual({
        custom: ['settlement_payments_due_idx'],
        generic: ['settlement_payments_due_idx'],
      });
    }
  });

  it('posts more than two chunks once each, in posting date order, with the same payment.posted as one posted alone', async () => {
    const customerId = `run-${randomUUID().slice(0, 8)}`;
    const monday = nextBusinessDay(`${uniqueYear()}-03-01`);
    const tuesday = nextBusinessDay(monday);
    // Two posting dates, more than two chunks in all, and one payment not due by asOf.
    const early = await submit(customerId, monday, POSTING_CHUNK_SIZE + 3);
    const late = await submit(customerId, tuesday, POSTING_CHUNK_SIZE);
    const [notDue] = await submit(customerId, nextBusinessDay(tuesday), 1);
    const asOf = late[0].postingDate;
    const postedAt = `${asOf}T15:00:00.000Z`;
    await clock.set(new Date(postedAt));
    // One posted alone first, as its delayed job does: the run leaves it and posts the rest.
    const [alone, ...rest] = early;
    expect(await postings.postIfDue(alone.paymentId)).toBe(true);

    const run = await postings.run(asOf);

    const expected = [...rest, ...late].sort(byPostingDate).map((payment) => payment.paymentId);
    const ours = new Set([...early, ...late, notDue].map((payment) => payment.paymentId));
    // The test database may hold other files' payments due by asOf: they are posted too.
    expect(run.postedPaymentIds.filter((paymentId) => ours.has(paymentId))).toEqual(expected);
    expect(run.postedCount).toBe(run.postedPaymentIds.length);
    const events = await postedEventsOf([...ours]);
    expect(events.map((event) => event.subject).sort()).toEqual([alone.paymentId, ...expected].sort());
    for (const payment of [...early, ...late]) {
      const event = events.find((candidate) => candidate.subject === payment.paymentId);
      expect(event).toMatchObject({
        type: 'payment.posted',
        source: 'remit/settlement',
        customerid: customerId,
        correlationid: payment.correlationId,
      });
      expect(event?.data).toEqual({
        paymentId: payment.paymentId,
        customerId,
        amountCents: payment.amountCents,
        currency: 'USD',
        method: { type: 'ach', last4: '6789' },
        invoices: payment.invoices,
        postingDate: payment.postingDate,
        postedAt,
      });
    }
    const rows = await dataSource.query<{ status: string; posted_at: Date }[]>(
      `SELECT status, posted_at FROM settlement.settlement_payments WHERE payment_id = ANY($1)`,
      [expected],
    );
    expect(rows).toHaveLength(expected.length);
    expect(rows.every((row) => row.status === 'posted' && row.posted_at.toISOString() === postedAt)).toBe(
      true,
    );
    expect(await statusOf(notDue.paymentId)).toBe('scheduled');

    // Again: nothing left to post, and a late job finds its payment posted.
    expect((await postings.run(asOf)).postedPaymentIds.filter((paymentId) => ours.has(paymentId))).toEqual(
      [],
    );
    expect(await postings.postIfDue(late[0].paymentId)).toBe(false);
    expect(await postedEventsOf([...ours])).toHaveLength(events.length);
  });

  it.each([
    ['canceled meanwhile: it is not posted', 'commit', 'canceled'],
    ['released unchanged: it is posted after the others', 'rollback', 'posted'],
  ] as const)(
    'posts around a payment another transaction holds, without waiting while holding any; %s',
    async (_case, outcome, status) => {
      const customerId = `held-${randomUUID().slice(0, 8)}`;
      const monday = nextBusinessDay(`${uniqueYear()}-05-01`);
      const payments = (await submit(customerId, monday, 3)).sort(byPostingDate);
      const [first, second, held] = payments;
      await clock.set(new Date(`${held.postingDate}T15:00:00Z`));
      // A consumer's batch that cancels the last of them in the run's order, and holds it.
      const holder = dataSource.createQueryRunner();
      await holder.connect();
      await holder.startTransaction();
      try {
        const cancel = createCloudEvent({
          type: 'payment.cancel-requested',
          source: 'remit/payment-intake',
          customerId,
          subject: held.paymentId,
          data: {
            paymentId: held.paymentId,
            customerId,
            amountCents: held.amountCents,
            method: { type: 'ach', last4: '6789' },
            requestedAt: new Date().toISOString(),
          },
        });
        expect(await app.get(CancelPaymentService).onCancelRequested(cancel, holder.manager)).toBe(
          'canceled',
        );

        const run = postings.run(held.postingDate);
        run.catch(() => undefined); // awaited below; a failure before that must not go unhandled
        // The rest is posted while the held payment is still held; then the run waits for it alone.
        await waitFor(
          async () =>
            (await statusOf(first.paymentId)) === 'posted' && (await statusOf(second.paymentId)) === 'posted'
              ? true
              : undefined,
          { timeoutMs: 20_000, what: 'the payments nobody holds posted' },
        );
        await waitFor(
          async () => {
            const [row] = await dataSource.query<{ waiting: number }[]>(
              `SELECT count(*)::int AS waiting FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            return row.waiting > 0 ? true : undefined;
          },
          { timeoutMs: 20_000, what: 'the run waiting for the held payment' },
        );
        // The holder now takes a payment the run has posted. Had the run kept that one locked while
        // waiting for the held one, this would be a deadlock, and PostgreSQL would end one of them.
        await holder.query(`SELECT 1 FROM settlement.settlement_payments WHERE payment_id = $1 FOR UPDATE`, [
          first.paymentId,
        ]);
        if (outcome === 'commit') await holder.commitTransaction();
        else await holder.rollbackTransaction();

        const result = await run;
        const ours = result.postedPaymentIds.filter((paymentId) =>
          payments.some((payment) => payment.paymentId === paymentId),
        );
        const expected = status === 'posted' ? payments : [first, second];
        expect(ours).toEqual(expected.map((payment) => payment.paymentId));
        expect(await statusOf(held.paymentId)).toBe(status);
        expect(await postedEventsOf([held.paymentId])).toHaveLength(status === 'posted' ? 1 : 0);
        expect(await postedEventsOf([first.paymentId, second.paymentId])).toHaveLength(2);
      } finally {
        if (holder.isTransactionActive) await holder.rollbackTransaction();
        await holder.release();
      }
    },
  );

  it('posts each payment once when the run, a sweep and every payment job race', async () => {
    const customerId = `race-${randomUUID().slice(0, 8)}`;
    const monday = nextBusinessDay(`${uniqueYear()}-09-01`);
    const payments = await submit(customerId, monday, 40);
    const ids = payments.map((payment) => payment.paymentId);
    const postingDate = payments[0].postingDate;
    await clock.set(new Date(`${postingDate}T15:00:00Z`));

    const [run, sweep, ...jobs] = await Promise.all([
      postings.run(postingDate),
      postings.sweep(),
      ...ids.map((paymentId) => postings.postIfDue(paymentId)),
    ]);

    const byJob = ids.filter((_, index) => jobs[index]);
    const claimed = [...run.postedPaymentIds, ...sweep.postedPaymentIds, ...byJob].filter((paymentId) =>
      ids.includes(paymentId),
    );
    // Every payment claimed by exactly one poster, and published exactly once.
    expect([...claimed].sort()).toEqual([...ids].sort());
    const events = await postedEventsOf(ids);
    expect(events.map((event) => event.subject).sort()).toEqual([...ids].sort());
  });
});
