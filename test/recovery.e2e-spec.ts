import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { createCloudEvent, topicOfEvent } from '@remit/contracts';
import { waitFor } from '@remit/messaging';
import {
  AccountNumberCipher,
  bullConnectionOptions,
  createTestingApp,
  loadConfig,
  requirePaymentDataKey,
  signToken,
} from '@remit/platform';
import { PaymentIntakeModule } from '../apps/payment-intake/src/payment-intake.module';
import { PaymentEntity } from '../apps/payment-intake/src/payments/payment.entity';
import { PaymentRedriveService } from '../apps/payment-intake/src/payments/payment-redrive.service';
import { PostPaymentService } from '../apps/settlement/src/postings/post-payment.service';
import {
  POSTING_QUEUE,
  POSTING_SWEEP_SCHEDULER,
  postingJobId,
} from '../apps/settlement/src/postings/posting-queue';
import { SettlementModule } from '../apps/settlement/src/settlement.module';

const POLL = { timeoutMs: 30_000, intervalMs: 200 };

/** Nothing stuck: lost events are re-driven, lost jobs swept, and money is never posted early. */
describe('recovery: intake re-drive and settlement sweep', () => {
  const config = loadConfig();
  let intake: INestApplication;
  let settlement: INestApplication;
  let intakeUrl: string;
  let settlementUrl: string;
  let intakeDb: DataSource;
  const suffix = randomUUID().slice(0, 8);
  const customerId = `recovery-${suffix}`;
  const opsToken = signToken({ sub: 'ops-recovery', role: 'ops', customers: [] }, config.authJwtSecret);
  const customerToken = signToken(
    { sub: `user-${suffix}`, role: 'customer', customers: [customerId] },
    config.authJwtSecret,
  );

  async function call(method: string, url: string, token: string, body?: unknown) {
    const response = await fetch(url, {
      method,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  const statusOf = async (paymentId: string): Promise<string> =>
    (await call('GET', `${intakeUrl}/v1/payments/${paymentId}`, customerToken)).body.status as string;

  /**
   * A payment whose `payment.submitted` left the outbox (marked sent) but never reached settlement,
   * as when the broker loses its data: written the way intake writes it, minutes ago.
   */
  async function paymentWithLostEvent(type: 'ach' | 'check' = 'ach'): Promise<string> {
    const paymentId = randomUUID();
    const invoices = [{ invoiceId: randomUUID(), amountCents: 2500 }];
    // As intake sends it: the account number as ciphertext bound to the payment id.
    const sealed = new AccountNumberCipher(requirePaymentDataKey(config)).encrypt('123456789', paymentId);
    const event = createCloudEvent({
      type: 'payment.submitted',
      source: 'remit/payment-intake',
      customerId,
      subject: paymentId,
      data: {
        paymentId,
        customerId,
        amountCents: 2500,
        currency: 'USD',
        method:
          type === 'ach'
            ? {
                type: 'ach',
                last4: '6789',
                bankAccount: {
                  routingNumber: '021000021',
                  accountNumberCiphertext: sealed.ciphertext,
                  keyId: sealed.keyId,
                },
              }
            : { type: 'check' },
        invoices,
        submittedAt: '2026-11-23T15:00:00.000Z',
        businessDate: '2026-11-23',
      },
    });
    await intakeDb.getRepository(PaymentEntity).insert({
      paymentId,
      customerId,
      amountCents: 2500,
      currency: 'USD',
      status: type === 'ach' ? 'submitted' : 'awaiting_funds',
      methodType: type,
      last4: type === 'ach' ? '6789' : null,
      invoices,
      submittedAt: new Date('2026-11-23T15:00:00Z'),
      businessDate: '2026-11-23',
      expectedPostingDate: '2026-11-25',
      notice: 'test',
      submittedEventId: event.id,
    });
    await intakeDb.query(
      `INSERT INTO intake.payment_status_history (payment_id, status, at) VALUES ($1, $2, now())`,
      [paymentId, type === 'ach' ? 'submitted' : 'awaiting_funds'],
    );
    await intakeDb.query(
      `INSERT INTO intake.outbox_events (id, topic, message_key, event_type, payload, created_at, sent_at)
       VALUES ($1, $2, $3, $4, $5, now() - interval '10 minutes', now() - interval '10 minutes')`,
      [event.id, topicOfEvent['payment.submitted'], customerId, event.type, JSON.stringify(event)],
    );
    await intakeDb.query(
      `UPDATE intake.payments SET created_at = now() - interval '10 minutes' WHERE payment_id = $1`,
      [paymentId],
    );
    return paymentId;
  }

  beforeAll(async () => {
    ({ app: intake, url: intakeUrl } = await createTestingApp(PaymentIntakeModule));
    ({ app: settlement, url: settlementUrl } = await createTestingApp(SettlementModule));
    intakeDb = intake.get(DataSource);
    const clock = await call('PUT', `${settlementUrl}/v1/test/clock`, opsToken, {
      now: '2026-11-23T15:00:00Z',
    });
    expect(clock.status).toBe(200);
  });

  afterAll(async () => {
    await call('DELETE', `${settlementUrl}/v1/test/clock`, opsToken);
    await settlement.close();
    await intake.close();
  });

  it('re-drives a payment whose payment.submitted was lost, and it gets scheduled', async () => {
    const paymentId = await paymentWithLostEvent();
    expect(await statusOf(paymentId)).toBe('submitted');

    // This call, or the scheduled one (every 30 s) if it came first, publishes the event again.
    await intake.get(PaymentRedriveService).redriveStuck();
    const [{ redriven }] = await intakeDb.query(
      `SELECT redriven_at IS NOT NULL AS redriven FROM intake.payments WHERE payment_id = $1`,
      [paymentId],
    );
    expect(redriven).toBe(true);
    await waitFor(async () => ((await statusOf(paymentId)) === 'scheduled' ? true : undefined), {
      ...POLL,
      what: 'settlement to schedule the re-driven payment',
    });
    // Re-driven once per deadline, not on every sweep.
    expect((await intake.get(PaymentRedriveService).redriveStuck()).republished).not.toContain(paymentId);
  });

  it('re-drives a declared check settlement never heard of, until settlement answers for it', async () => {
    const paymentId = await paymentWithLostEvent('check');
    expect(await statusOf(paymentId)).toBe('awaiting_funds');
    await intake.get(PaymentRedriveService).redriveStuck();
    const acknowledged = async () => {
      const [row] = await intakeDb.query<{ at: Date | null }[]>(
        `SELECT settlement_acknowledged_at AS at FROM intake.payments WHERE payment_id = $1`,
        [paymentId],
      );
      return row?.at ? true : undefined;
    };
    await waitFor(acknowledged, { ...POLL, what: "settlement's answer for the re-driven check" });
    const [row] = await settlement
      .get(DataSource)
      .query<{ status: string }[]>(
        `SELECT status FROM settlement.settlement_payments WHERE payment_id = $1`,
        [paymentId],
      );
    expect(row?.status).toBe('awaiting_funds');
    await intakeDb.query(`UPDATE intake.payments SET redriven_at = NULL WHERE payment_id = $1`, [paymentId]);
    expect((await intake.get(PaymentRedriveService).redriveStuck()).republished).not.toContain(paymentId);
  });

  it('posts a payment whose posting job was lost, by the sweep, when its date comes', async () => {
    const paymentId = await paymentWithLostEvent();
    await intake.get(PaymentRedriveService).redriveStuck();
    await waitFor(async () => ((await statusOf(paymentId)) === 'scheduled' ? true : undefined), {
      ...POLL,
      what: 'the payment to be scheduled',
    });
    const queue = new Queue(POSTING_QUEUE, { connection: bullConnectionOptions(config), prefix: 'remit' });
    try {
      expect(await queue.getJobScheduler(POSTING_SWEEP_SCHEDULER)).toMatchObject({ every: 60_000 });
      const job = await waitFor(async () => (await queue.getJob(postingJobId(paymentId))) ?? undefined, {
        ...POLL,
        what: 'the posting job, added once the schedule committed',
      });
      await job.remove(); // Redis lost it
    } finally {
      await queue.close();
    }
    const postings = settlement.get(PostPaymentService);
    expect((await postings.sweep()).postedPaymentIds).not.toContain(paymentId); // Monday: not due
    await call('PUT', `${settlementUrl}/v1/test/clock`, opsToken, { now: '2026-11-25T15:00:00Z' });
    // This sweep, or the scheduled one that may run first, posts it: its job is gone either way.
    await postings.sweep();
    await waitFor(async () => ((await statusOf(paymentId)) === 'posted' ? true : undefined), {
      ...POLL,
      what: 'intake to see the posting',
    });
    await call('PUT', `${settlementUrl}/v1/test/clock`, opsToken, { now: '2026-11-23T15:00:00Z' });
  });

  it('refuses a settlement run dated after the platform clock', async () => {
    const future = await call('POST', `${settlementUrl}/v1/settlement/run`, opsToken, { asOf: '2031-01-01' });
    expect(future.status).toBe(422);
    expect(future.body.error).toMatchObject({
      code: 'SETTLEMENT.AS_OF_IN_FUTURE',
      details: [expect.objectContaining({ field: 'asOf' })],
    });
    const today = await call('POST', `${settlementUrl}/v1/settlement/run`, opsToken, { asOf: '2026-11-23' });
    expect(today.status).toBe(200);
  });
});
