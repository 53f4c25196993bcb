import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Kafka, logLevel } from 'kafkajs';
import { DataSource } from 'typeorm';
import { addCalendarDays, businessDateOf, nextBusinessDay, previousBusinessDay } from '@remit/calendar';
import { Topics } from '@remit/contracts';
import { waitFor } from '@remit/messaging';
import { bullConnectionOptions, createTestingApp, loadConfig, PlatformClock } from '@remit/platform';
import { CardAuthorizationService } from '../src/cards/card-authorization.service';
import { CARD_QUEUE, cardJobId } from '../src/cards/card-queue';
import { PostPaymentService } from '../src/postings/post-payment.service';
import { POSTING_QUEUE, postingJobId } from '../src/postings/posting-queue';
import { SettlementModule } from '../src/settlement.module';
import {
  methodOf,
  outboxEventsOf,
  paymentRow,
  submittedEvent,
  submitToSettlement,
  uniqueYear,
  type SubmittedMethod,
} from './support';

const POLL = { timeoutMs: 30_000, intervalMs: 100 };

/** Posting for every method on the Fed calendar, delayed posting jobs, and card authorisation. */
describe('settlement: posting for every payment method (real PostgreSQL, Redis, Kafka)', () => {
  const config = loadConfig();
  let app: INestApplication;
  let dataSource: DataSource;
  let clock: PlatformClock;
  let postingQueue: Queue;
  let cardQueue: Queue;
  const customerId = `methods-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    ({ app } = await createTestingApp(SettlementModule));
    dataSource = app.get(DataSource);
    clock = app.get(PlatformClock);
    postingQueue = new Queue(POSTING_QUEUE, { connection: bullConnectionOptions(config), prefix: 'remit' });
    cardQueue = new Queue(CARD_QUEUE, { connection: bullConnectionOptions(config), prefix: 'remit' });
  });

  afterAll(async () => {
    await clock.reset();
    await postingQueue.close();
    await cardQueue.close();
    await app.close();
  });

  async function submit(
    type: SubmittedMethod['type'],
    submittedAt: string,
    options: { cardToken?: string; amountCents?: number } = {},
  ): Promise<string> {
    await clock.set(new Date(submittedAt));
    return submitToSettlement(app, {
      customerId,
      method: methodOf(type, options.cardToken),
      // What intake sends: the business day of the submission, by the configured cutoff.
      businessDate: businessDateOf(submittedAt, { cutoff: config.achCutoff }),
      submittedAt,
      amountCents: options.amountCents ?? 12_345,
    });
  }

  describe('posting dates on the Federal Reserve calendar', () => {
    it.each([
      // 2026-07-04 is a Saturday: not observed on Friday, the Fed is open on 07-03.
      ['ach, Thursday before a Saturday holiday', 'ach', '2026-07-02T14:00:00Z', '2026-07-06', 'scheduled'],
      [
        'saved, after the cutoff on that Thursday',
        'saved',
        '2026-07-02T21:30:00Z',
        '2026-07-07',
        'scheduled',
      ],
      [
        'check, on the Saturday holiday itself',
        'check',
        '2026-07-04T15:00:00Z',
        '2026-07-13',
        'awaiting_funds',
      ],
      // 2027-07-04 is a Sunday: observed on Monday 07-05.
      [
        'wire, Friday before a Sunday holiday',
        'wire',
        '2027-07-02T14:00:00Z',
        '2027-07-07',
        'awaiting_funds',
      ],
      [
        'check, Thursday before a Sunday holiday',
        'check',
        '2027-07-01T14:00:00Z',
        '2027-07-09',
        'awaiting_funds',
      ],
      ['ach, one second before the cutoff', 'ach', '2027-07-02T20:59:59Z', '2027-07-07', 'scheduled'],
      ['ach, at the cutoff', 'ach', '2027-07-02T21:00:00Z', '2027-07-08', 'scheduled'],
      [
        'card, after the cutoff before a Sunday holiday',
        'card',
        '2027-07-02T21:30:00Z',
        '2027-07-06',
        'scheduled',
      ],
    ] as const)('%s (%s, submitted %s) posts on %s', async (_case, type, submittedAt, expected, status) => {
      const paymentId = await submit(type, submittedAt);
      const scheduled = await waitFor(
        async () =>
          (await outboxEventsOf(dataSource, paymentId)).find((event) => event.type === 'payment.scheduled'),
        { ...POLL, what: 'payment.scheduled' },
      );
      expect(scheduled.data).toMatchObject({ expectedPostingDate: expected, status });
      expect(await paymentRow(dataSource, paymentId)).toMatchObject({ posting_date: expected, status });
      if (type === 'ach' || type === 'saved') {
        const job = await postingQueue.getJob(postingJobId(paymentId));
        expect(await job?.getState()).toBe('delayed');
        expect(job?.opts.delay).toBe(Date.parse(`${expected}T05:00:00Z`) - Date.parse(submittedAt));
      }
      if (type === 'check' || type === 'wire') {
        // Declared: no posting job, it posts when its receipt arrives.
        expect(await postingQueue.getJob(postingJobId(paymentId))).toBeUndefined();
      }
    });
  });

  it('fires a delayed posting job at the start of the posting date', async () => {
    const postingDate = nextBusinessDay(`${uniqueYear()}-03-09`);
    const businessDate = previousBusinessDay(previousBusinessDay(postingDate));
    // 1.5 s of real time before midnight (05:00Z) of the posting date.
    const submittedAt = new Date(Date.parse(`${postingDate}T05:00:00Z`) - 1500).toISOString();
    await clock.set(new Date(submittedAt));
    const paymentId = await submitToSettlement(app, {
      customerId,
      method: methodOf('ach'),
      businessDate,
      submittedAt,
      amountCents: 5_000,
    });
    const job = await postingQueue.getJob(postingJobId(paymentId));
    expect(job?.opts.delay).toBe(1500);
    // The platform clock moves on to the posting day, as real time would.
    await clock.set(new Date(`${postingDate}T14:00:00Z`));
    await waitFor(async () => ((await job!.getState()) === 'completed' ? true : undefined), {
      ...POLL,
      what: 'the delayed posting job to complete',
    });
    expect(await paymentRow(dataSource, paymentId)).toMatchObject({
      status: 'posted',
      posting_date: postingDate,
    });
    const posted = (await outboxEventsOf(dataSource, paymentId)).filter(
      (event) => event.type === 'payment.posted',
    );
    expect(posted).toHaveLength(1);
    expect(posted[0].data).toMatchObject({
      postingDate,
      amountCents: 5_000,
      method: { type: 'ach', last4: '6789' },
    });
  });

  it('does not post on the evening before the posting date, after the cutoff', async () => {
    const postingDate = nextBusinessDay(`${uniqueYear()}-12-01`);
    const businessDate = previousBusinessDay(previousBusinessDay(postingDate));
    // 18:00 New York (EST) on the calendar day before: businessDateOf() is already the posting date.
    const evening = `${addCalendarDays(postingDate, -1)}T23:00:00Z`;
    await clock.set(new Date(evening));
    const paymentId = await submitToSettlement(app, {
      customerId,
      method: methodOf('ach'),
      businessDate,
      submittedAt: evening,
      amountCents: 6_000,
    });
    const postings = app.get(PostPaymentService);
    expect((await postings.sweep()).postedPaymentIds).not.toContain(paymentId);
    expect(await postings.postIfDue(paymentId)).toBe(false);
    expect(await paymentRow(dataSource, paymentId)).toMatchObject({ status: 'scheduled' });

    await clock.set(new Date(`${postingDate}T05:00:01Z`));
    await postings.sweep();
    expect(await paymentRow(dataSource, paymentId)).toMatchObject({
      status: 'posted',
      posting_date: postingDate,
    });
  });

  describe('card through the sandbox processor', () => {
    const day = nextBusinessDay(`${uniqueYear()}-04-13`);
    const during = `${day}T15:00:00Z`;

    it('approves tok_approve: payment.scheduled, then payment.posted the same business day', async () => {
      const paymentId = await submit('card', during, { cardToken: 'tok_approve', amountCents: 7_700 });
      await waitFor(
        async () => ((await paymentRow(dataSource, paymentId))?.status === 'posted' ? true : undefined),
        {
          ...POLL,
          what: 'the card payment to post',
        },
      );
      const row = await paymentRow(dataSource, paymentId);
      expect(row).toMatchObject({ posting_date: day, card_token: 'tok_approve' });
      expect(row?.authorization_id).toMatch(/^sandbox_auth_/);
      const events = await outboxEventsOf(dataSource, paymentId);
      expect(events.map((event) => event.type)).toEqual(['payment.scheduled', 'payment.posted']);
      expect(events[0].data).toMatchObject({
        expectedPostingDate: day,
        status: 'scheduled',
        method: { type: 'card' },
      });
      expect(events[1].data).toMatchObject({ postingDate: day, amountCents: 7_700 });
      expect(JSON.stringify(events)).not.toContain('tok_approve');
    });

    it.each([
      ['tok_decline', 'CARD.DECLINED', 'declined'],
      ['tok_insufficient_funds', 'CARD.INSUFFICIENT_FUNDS', 'insufficient funds'],
    ])('fails %s with payment.failed and its reason', async (cardToken, code, reason) => {
      const paymentId = await submit('card', during, { cardToken });
      const failed = await waitFor(
        async () =>
          (await outboxEventsOf(dataSource, paymentId)).find((event) => event.type === 'payment.failed'),
        { ...POLL, what: 'payment.failed' },
      );
      expect(failed.data).toMatchObject({
        code,
        reason: expect.stringContaining(reason),
        method: { type: 'card' },
      });
      expect(await paymentRow(dataSource, paymentId)).toMatchObject({ status: 'failed', failure_code: code });
      expect((await outboxEventsOf(dataSource, paymentId)).map((event) => event.type)).toEqual([
        'payment.failed',
      ]);
    });

    it('retries tok_timeout with backoff, then fails the payment', async () => {
      const paymentId = await submit('card', during, { cardToken: 'tok_timeout' });
      const failed = await waitFor(
        async () =>
          (await outboxEventsOf(dataSource, paymentId)).find((event) => event.type === 'payment.failed'),
        { ...POLL, what: 'payment.failed after the retries' },
      );
      expect(failed.data).toMatchObject({ code: 'CARD.PROCESSOR_UNAVAILABLE' });
      const job = await cardQueue.getJob(cardJobId(paymentId));
      // Every attempt ran: three transient failures, then the last one failed the payment.
      expect(job?.attemptsStarted).toBe(4);
      expect(job?.returnvalue).toEqual({ outcome: 'failed' });
      expect((await outboxEventsOf(dataSource, paymentId)).map((event) => event.type)).toEqual([
        'payment.failed',
      ]);
    });

    it('takes a card payment from intake.payments.v1 and posts it the same business day', async () => {
      await clock.set(new Date(during));
      const event = submittedEvent({
        customerId,
        method: methodOf('card', 'tok_approve'),
        businessDate: day,
        submittedAt: during,
        amountCents: 9_900,
      });
      const kafka = new Kafka({
        clientId: 'settlement-test-producer',
        brokers: config.kafkaBrokers,
        logLevel: logLevel.NOTHING,
      });
      const producer = kafka.producer();
      await producer.connect();
      try {
        await producer.send({
          topic: Topics.intakePayments,
          messages: [{ key: customerId, value: JSON.stringify(event) }],
        });
      } finally {
        await producer.disconnect();
      }
      const paymentId = event.data.paymentId;
      await waitFor(
        async () => ((await paymentRow(dataSource, paymentId))?.status === 'posted' ? true : undefined),
        { ...POLL, what: 'the card payment from Kafka to post' },
      );
      const events = await outboxEventsOf(dataSource, paymentId);
      expect(events.map((outgoing) => outgoing.type)).toEqual(['payment.scheduled', 'payment.posted']);
      expect(events[1].data).toMatchObject({
        postingDate: day,
        amountCents: 9_900,
        method: { type: 'card' },
      });
    });

    it('re-drives a card authorisation whose job was lost', async () => {
      await clock.set(new Date(during));
      const paymentId = randomUUID();
      // A row committed while Redis was down: no job was ever added for it.
      await dataSource.query(
        `INSERT INTO settlement.settlement_payments
           (payment_id, customer_id, amount_cents, method_type, invoices, business_date, posting_date, status,
            correlation_id, card_token, created_at)
         VALUES ($1, $2, 8800, 'card', $3, $4, $4, 'authorizing', $5, 'tok_approve', now() - interval '5 minutes')`,
        [paymentId, customerId, JSON.stringify([{ invoiceId: randomUUID() }]), day, `corr-${paymentId}`],
      );
      expect(await cardQueue.getJob(cardJobId(paymentId))).toBeUndefined();
      expect(await app.get(CardAuthorizationService).redriveStuck()).toBeGreaterThanOrEqual(1);
      await waitFor(
        async () => ((await paymentRow(dataSource, paymentId))?.status === 'posted' ? true : undefined),
        { ...POLL, what: 'the re-driven card payment to post' },
      );
      expect((await outboxEventsOf(dataSource, paymentId)).map((event) => event.type)).toEqual([
        'payment.scheduled',
        'payment.posted',
      ]);
    });

    it('fails a card payment that carries no token at once', async () => {
      const paymentId = await submitToSettlement(app, {
        customerId,
        method: { type: 'card' },
        businessDate: day,
        submittedAt: during,
        amountCents: 100,
      });
      expect(await paymentRow(dataSource, paymentId)).toMatchObject({
        status: 'failed',
        failure_code: 'CARD.TOKEN_MISSING',
      });
    });
  });
});
