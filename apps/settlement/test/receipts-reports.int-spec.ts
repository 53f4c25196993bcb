import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { addCalendarDays, nextBusinessDay, previousBusinessDay } from '@remit/calendar';
import { createCloudEvent, Topics, type AnyCloudEvent } from '@remit/contracts';
import { waitFor } from '@remit/messaging';
import { createTestingApp, loadConfig, PlatformClock, signToken } from '@remit/platform';
import { CancelPaymentService } from '../src/cancel/cancel-payment.service';
import { DailyReportService } from '../src/reports/daily-report.service';
import { SettlementModule } from '../src/settlement.module';
import {
  methodOf,
  outboxEventsOf,
  paymentRow,
  submitToSettlement,
  TopicTap,
  uniqueYear,
  type SubmittedMethod,
} from './support';

const POLL = { timeoutMs: 30_000, intervalMs: 100 };

/** Check and wire receipts, expiry of declared payments, and the daily settlement report. */
describe('settlement: receipts, expiry and the daily report (real PostgreSQL, Redis, Kafka)', () => {
  const config = loadConfig();
  let app: INestApplication;
  let url: string;
  let dataSource: DataSource;
  let clock: PlatformClock;
  const tap = new TopicTap([Topics.settlementPayments, Topics.settlementReports]);
  const opsToken = signToken({ sub: 'ops-settlement', role: 'ops', customers: [] }, config.authJwtSecret);

  beforeAll(async () => {
    ({ app, url } = await createTestingApp(SettlementModule));
    dataSource = app.get(DataSource);
    clock = app.get(PlatformClock);
    await tap.start();
  });

  afterAll(async () => {
    await tap.stop();
    await clock.reset();
    await app.close();
  });

  async function call(
    method: string,
    path: string,
    body?: unknown,
    token = opsToken,
  ): Promise<{ status: number; body: any }> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  function declare(
    customerId: string,
    type: SubmittedMethod['type'],
    businessDate: string,
    amountCents: number,
  ): Promise<string> {
    return submitToSettlement(app, {
      customerId,
      method: methodOf(type),
      businessDate,
      submittedAt: `${businessDate}T15:00:00Z`,
      amountCents,
    });
  }

  const receipt = (body: Record<string, unknown>) => call('POST', '/v1/settlement/receipts', body);

  describe('check and wire receipts', () => {
    const day = nextBusinessDay(`${uniqueYear()}-05-11`);
    const earlier = previousBusinessDay(day);

    beforeEach(async () => {
      await clock.set(new Date(`${day}T15:00:00Z`));
    });

    it('cancels a declared check on request; its receipt then matches nothing and is credit', async () => {
      const customerId = `cancel-${randomUUID().slice(0, 8)}`;
      const check = await declare(customerId, 'check', day, 12_300);
      const canceled = createCloudEvent({
        type: 'payment.cancel-requested',
        source: 'remit/payment-intake',
        customerId,
        subject: check,
        data: {
          paymentId: check,
          customerId,
          amountCents: 12_300,
          method: { type: 'check' },
          requestedAt: `${day}T15:00:00.000Z`,
        },
      });
      const outcome = await dataSource.transaction((manager) =>
        app.get(CancelPaymentService).onCancelRequested(canceled, manager),
      );
      expect(outcome).toBe('canceled');
      expect(await paymentRow(dataSource, check)).toMatchObject({ status: 'canceled' });
      expect((await outboxEventsOf(dataSource, check)).map((event) => event.type)).toContain(
        'payment.canceled',
      );
      const late = await receipt({
        type: 'check',
        customerId,
        amountCents: 12_300,
        reference: `LBX-${randomUUID()}`,
      });
      expect(late.body).toMatchObject({ outcome: 'unmatched', paymentId: null });
    });

    it('matches by customer and exact amount, oldest first, per type; a receipt matching nothing is credit', async () => {
      const customerId = `receipts-${randomUUID().slice(0, 8)}`;
      const newer = await declare(customerId, 'check', day, 25_000);
      const older = await declare(customerId, 'check', earlier, 25_000);
      const wire = await declare(customerId, 'wire', earlier, 25_000);

      const first = await receipt({
        type: 'check',
        customerId,
        amountCents: 25_000,
        reference: `LBX-${randomUUID()}`,
      });
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ outcome: 'matched', paymentId: older, businessDate: day });
      expect(await paymentRow(dataSource, older)).toMatchObject({ status: 'posted', posting_date: day });
      expect(await paymentRow(dataSource, newer)).toMatchObject({ status: 'awaiting_funds' });
      expect(await paymentRow(dataSource, wire)).toMatchObject({ status: 'awaiting_funds' });
      const posted = (await outboxEventsOf(dataSource, older)).filter(
        (event) => event.type === 'payment.posted',
      );
      expect(posted).toHaveLength(1);
      expect(posted[0].data).toMatchObject({
        postingDate: day,
        amountCents: 25_000,
        method: { type: 'check' },
      });

      const second = await receipt({
        type: 'check',
        customerId,
        amountCents: 25_000,
        reference: `LBX-${randomUUID()}`,
      });
      expect(second.body).toMatchObject({ outcome: 'matched', paymentId: newer });

      // A different amount matches nothing: recorded, and published for invoice to credit.
      const reference = `LBX-${randomUUID()}`;
      const credit = await receipt({ type: 'check', customerId, amountCents: 25_001, reference });
      expect(credit.status).toBe(201);
      expect(credit.body).toMatchObject({ outcome: 'unmatched', paymentId: null, amountCents: 25_001 });
      expect(await paymentRow(dataSource, wire)).toMatchObject({ status: 'awaiting_funds' });
      const unmatched = await outboxEventsOf(dataSource, credit.body.receiptId);
      expect(unmatched).toEqual([
        {
          type: 'receipt.unmatched',
          data: {
            receiptId: credit.body.receiptId,
            type: 'check',
            customerId,
            amountCents: 25_001,
            reference,
            receivedAt: `${day}T15:00:00.000Z`,
            businessDate: day,
          },
        },
      ]);
      await waitFor(
        () =>
          tap.events.find(
            (event) => event.type === 'receipt.unmatched' && event.subject === credit.body.receiptId,
          ),
        { ...POLL, what: 'receipt.unmatched on settlement.payments.v1' },
      );
    });

    it('matches by payment id, once per reference: the same reference again returns the first result', async () => {
      const customerId = `receipts-${randomUUID().slice(0, 8)}`;
      const wire = await declare(customerId, 'wire', day, 90_000);
      const body = {
        type: 'wire',
        customerId,
        amountCents: 90_000,
        reference: `FED-${randomUUID()}`,
        paymentId: wire,
      };
      const first = await receipt(body);
      expect(first.status).toBe(201);
      expect(first.body).toMatchObject({ outcome: 'matched', paymentId: wire, type: 'wire' });
      const again = await receipt(body);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect((await outboxEventsOf(dataSource, wire)).map((event) => event.type)).toEqual([
        'payment.scheduled',
        'payment.posted',
      ]);
      // The same reference for a check is another receipt.
      const check = await receipt({ ...body, type: 'check', paymentId: undefined });
      expect(check.status).toBe(201);
      expect(check.body.receiptId).not.toBe(first.body.receiptId);
    });

    it('records one receipt when the same reference arrives twice at once', async () => {
      const customerId = `receipts-${randomUUID().slice(0, 8)}`;
      const check = await declare(customerId, 'check', day, 12_000);
      const body = { type: 'check', customerId, amountCents: 12_000, reference: `LBX-${randomUUID()}` };
      const answers = await Promise.all([receipt(body), receipt(body), receipt(body)]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 200, 201]);
      expect(new Set(answers.map((answer) => JSON.stringify(answer.body))).size).toBe(1);
      expect(answers[0].body).toMatchObject({ outcome: 'matched', paymentId: check });
      const [count] = await dataSource.query<{ receipts: number }[]>(
        `SELECT count(*)::int AS receipts FROM settlement.receipts WHERE reference = $1`,
        [body.reference],
      );
      expect(count.receipts).toBe(1);
    });

    it('posts a declared payment once when two receipts for it arrive at once; the other is credit', async () => {
      const customerId = `receipts-${randomUUID().slice(0, 8)}`;
      const wire = await declare(customerId, 'wire', day, 15_000);
      const send = () =>
        receipt({ type: 'wire', customerId, amountCents: 15_000, reference: `FED-${randomUUID()}` });
      const answers = await Promise.all([send(), send()]);
      expect(answers.map((answer) => answer.body.outcome).sort()).toEqual(['matched', 'unmatched']);
      expect(answers.find((answer) => answer.body.outcome === 'matched')!.body.paymentId).toBe(wire);
      expect(
        (await outboxEventsOf(dataSource, wire)).filter((event) => event.type === 'payment.posted'),
      ).toHaveLength(1);
    });

    it('refuses a receipt naming a payment it cannot be for, and records nothing', async () => {
      const customerId = `receipts-${randomUUID().slice(0, 8)}`;
      const check = await declare(customerId, 'check', day, 4_000);
      const reference = `LBX-${randomUUID()}`;
      const otherCustomer = await receipt({
        type: 'check',
        customerId: 'someone-else',
        amountCents: 4_000,
        reference,
        paymentId: check,
      });
      expect(otherCustomer.status).toBe(422);
      expect(otherCustomer.body.error).toMatchObject({
        code: 'SETTLEMENT.RECEIPT_PAYMENT_MISMATCH',
        details: [expect.objectContaining({ field: 'paymentId' })],
      });
      const wrongType = await receipt({
        type: 'wire',
        customerId,
        amountCents: 4_000,
        reference,
        paymentId: check,
      });
      expect(wrongType.body.error.code).toBe('SETTLEMENT.RECEIPT_PAYMENT_MISMATCH');
      const wrongAmount = await receipt({
        type: 'check',
        customerId,
        amountCents: 4_001,
        reference,
        paymentId: check,
      });
      expect(wrongAmount.status).toBe(422);
      expect(wrongAmount.body.error).toMatchObject({
        code: 'SETTLEMENT.RECEIPT_AMOUNT_MISMATCH',
        details: [expect.objectContaining({ field: 'amountCents' })],
      });
      expect(await paymentRow(dataSource, check)).toMatchObject({ status: 'awaiting_funds' });
      // Nothing was recorded under that reference: it still matches now.
      const right = await receipt({
        type: 'check',
        customerId,
        amountCents: 4_000,
        reference,
        paymentId: check,
      });
      expect(right.status).toBe(201);
      expect(right.body).toMatchObject({ outcome: 'matched', paymentId: check });
    });

    it.each([
      ['no body at all', undefined, ['type', 'customerId', 'amountCents', 'reference']],
      ['a cash receipt', { type: 'cash', customerId: 'c', amountCents: 1, reference: 'r' }, ['type']],
      [
        'dollars instead of cents',
        { type: 'check', customerId: 'c', amountCents: 12.5, reference: 'r' },
        ['amountCents'],
      ],
      ['a zero amount', { type: 'check', customerId: 'c', amountCents: 0, reference: 'r' }, ['amountCents']],
      [
        'a blank reference',
        { type: 'wire', customerId: 'c', amountCents: 1, reference: '  ' },
        ['reference'],
      ],
      [
        'a payment id that is no uuid',
        { type: 'wire', customerId: 'c', amountCents: 1, reference: 'r', paymentId: 'p-1' },
        ['paymentId'],
      ],
    ])('answers 400 with field details for %s', async (_case, body, fields) => {
      const response = await receipt(body as Record<string, unknown>);
      expect(response.status).toBe(400);
      expect(response.body.error.code).toBe('VALIDATION_FAILED');
      expect(response.body.error.details.map((detail: { field: string }) => detail.field).sort()).toEqual(
        [...fields].sort(),
      );
    });

    it('is for ops only', async () => {
      const customerToken = signToken(
        { sub: 'user-x', role: 'customer', customers: ['c'] },
        config.authJwtSecret,
      );
      const response = await call(
        'POST',
        '/v1/settlement/receipts',
        { type: 'check', customerId: 'c', amountCents: 1, reference: 'r' },
        customerToken,
      );
      expect(response.status).toBe(403);
    });
  });

  it('expires a declared payment never received after the window, then takes late money as credit', async () => {
    const customerId = `expiry-${randomUUID().slice(0, 8)}`;
    const businessDate = nextBusinessDay(`${uniqueYear()}-06-08`);
    const expiresOn = addCalendarDays(businessDate, config.declaredPaymentExpiryDays);
    const check = await declare(customerId, 'check', businessDate, 3_300);
    expect(await paymentRow(dataSource, check)).toMatchObject({
      status: 'awaiting_funds',
      expires_on: expiresOn,
    });

    const dayBefore = addCalendarDays(expiresOn, -1);
    await clock.set(new Date(`${dayBefore}T15:00:00Z`));
    const early = await call('POST', '/v1/settlement/run', { asOf: dayBefore });
    expect(early.status).toBe(200);
    expect(early.body.expiredPaymentIds).not.toContain(check);
    expect(await paymentRow(dataSource, check)).toMatchObject({ status: 'awaiting_funds' });

    await clock.set(new Date(`${expiresOn}T15:00:00Z`));
    const run = await call('POST', '/v1/settlement/run', { asOf: expiresOn });
    expect(run.status).toBe(200);
    expect(run.body.expiredPaymentIds).toContain(check);
    expect(await paymentRow(dataSource, check)).toMatchObject({ status: 'expired' });
    const expired = (await outboxEventsOf(dataSource, check)).filter(
      (event) => event.type === 'payment.expired',
    );
    expect(expired).toEqual([
      {
        type: 'payment.expired',
        data: {
          paymentId: check,
          customerId,
          amountCents: 3_300,
          method: { type: 'check' },
          expiredAt: `${expiresOn}T15:00:00.000Z`,
        },
      },
    ]);
    await waitFor(
      () => tap.events.find((event) => event.type === 'payment.expired' && event.subject === check),
      {
        ...POLL,
        what: 'payment.expired on settlement.payments.v1',
      },
    );

    // The check arrives after all: the money is real, so it becomes the customer's credit.
    const late = await receipt({
      type: 'check',
      customerId,
      amountCents: 3_300,
      reference: `LBX-${randomUUID()}`,
      paymentId: check,
    });
    expect(late.status).toBe(201);
    expect(late.body).toMatchObject({ outcome: 'unmatched', paymentId: null });
    expect(await paymentRow(dataSource, check)).toMatchObject({ status: 'expired' });
  });

  it("reports a day's totals equal to the sum of that day's events, and closes it once", async () => {
    const day = nextBusinessDay(`${uniqueYear()}-09-14`);
    const customerId = `report-${randomUUID().slice(0, 8)}`;
    await clock.set(new Date(`${day}T15:00:00Z`));
    const twoDaysBefore = previousBusinessDay(previousBusinessDay(day));
    // ach and saved due today (their jobs fire at once), a card approved today, a check received today.
    const ach = [
      await declare(customerId, 'ach', twoDaysBefore, 10_001),
      await declare(customerId, 'ach', twoDaysBefore, 20_002),
      await declare(customerId, 'saved', twoDaysBefore, 30_003),
    ];
    const card = await declare(customerId, 'card', day, 4_004);
    const check = await declare(customerId, 'check', previousBusinessDay(day), 5_005);
    expect(
      (await receipt({ type: 'check', customerId, amountCents: 5_005, reference: `LBX-${randomUUID()}` }))
        .body,
    ).toMatchObject({
      paymentId: check,
    });
    // Not posted that day: an ACH payment due tomorrow and a declined card.
    await declare(customerId, 'ach', previousBusinessDay(day), 60_006);
    const declined = await submitToSettlement(app, {
      customerId,
      method: methodOf('card', 'tok_decline'),
      businessDate: day,
      submittedAt: `${day}T15:00:00Z`,
      amountCents: 7_007,
    });
    const postedIds = [...ach, card, check];
    const events = await waitFor(
      () => {
        const posted = tap.events.filter(
          (event): event is Extract<AnyCloudEvent, { type: 'payment.posted' }> =>
            event.type === 'payment.posted' && event.data.postingDate === day,
        );
        const failed = tap.events.some(
          (event) => event.type === 'payment.failed' && event.subject === declined,
        );
        return posted.length >= postedIds.length && failed ? posted : undefined;
      },
      { ...POLL, what: "the day's payment.posted events on settlement.payments.v1" },
    );
    expect(events.map((event) => event.data.paymentId).sort()).toEqual([...postedIds].sort());
    const expected: Record<string, { count: number; cents: number }> = {};
    for (const event of events) {
      const entry = (expected[event.data.method.type] ??= { count: 0, cents: 0 });
      entry.count += 1;
      entry.cents += event.data.amountCents;
    }

    const open = await call('GET', `/v1/settlement/reports/daily?date=${day}`);
    expect(open.status).toBe(200);
    expect(open.body).toEqual({
      businessDate: day,
      closedAt: null,
      posted: expected,
      returns: [],
      returnFees: { count: 0, cents: 0 },
      achFiles: [],
    });
    expect(open.body.posted).toEqual({
      ach: { count: 2, cents: 30_003 },
      saved: { count: 1, cents: 30_003 },
      card: { count: 1, cents: 4_004 },
      check: { count: 1, cents: 5_005 },
    });

    const reports = app.get(DailyReportService);
    await clock.set(new Date(`${day}T22:30:00Z`));
    const first = await dataSource.transaction((manager) => reports.publishClosed(manager, day));
    expect(first.published).toBe(true);
    const again = await dataSource.transaction((manager) => reports.publishClosed(manager, day));
    expect(again).toEqual({ published: false, report: first.report });

    const closed = await call('GET', `/v1/settlement/reports/daily?date=${day}`);
    expect(closed.body).toEqual({ ...open.body, closedAt: `${day}T22:30:00.000Z` });
    const published = await waitFor(
      () => tap.events.find((event) => event.type === 'settlement-day.closed' && event.subject === day),
      { ...POLL, what: 'settlement-day.closed on settlement.reports.v1' },
    );
    expect(published.data).toEqual(closed.body);
    expect(
      tap.events.filter((event) => event.type === 'settlement-day.closed' && event.subject === day),
    ).toHaveLength(1);
  });

  it.each([
    ['no date', ''],
    ['a date that is no calendar day', '?date=2026-02-30'],
    ['words', '?date=today'],
  ])('answers 400 on the field date for %s', async (_case, query) => {
    const response = await call('GET', `/v1/settlement/reports/daily${query}`);
    expect(response.status).toBe(400);
    expect(response.body.error.details.length).toBeGreaterThan(0);
    expect(response.body.error.details).toEqual(
      response.body.error.details.map(() => expect.objectContaining({ field: 'date' })),
    );
  });
});
