import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { INestApplication, Logger } from '@nestjs/common';
import { DataSource, type EntitySubscriberInterface } from 'typeorm';
import { waitFor } from '@remit/messaging';
import { createTestingApp, lockWaitOf, parseWith, StatementRecorder } from '@remit/platform';
import { PaymentIntakeModule } from '../src/payment-intake.module';
import { IdempotencyService } from '../src/idempotency/idempotency.service';
import { RequestFingerprint } from '../src/idempotency/request-fingerprint';
import { submitPaymentSchema } from '../src/payments/payment-request.schema';
import { SubmitPaymentService } from '../src/payments/submit-payment.service';
import { httpClient, outcomeOf, ROUTING, seedInvoice, testCustomer } from './support';

/**
 * The statements of one payment request, and the guarantees that hold with so few: one invoice
 * balance is never paid twice, and one Idempotency-Key makes at most one payment, whenever a
 * takeover comes.
 */
describe('POST /v1/payments statements and guarantees (real PostgreSQL, Redis, Kafka)', () => {
  const { customerId, token, sub } = testCustomer('stmts');
  const principal = { sub, role: 'customer' as const, customers: [customerId] };
  let app: INestApplication;
  let url: string;
  let dataSource: DataSource;
  let client: ReturnType<typeof httpClient>;

  /** The statements sent through `pg` by the code run inside `counted.run(list, …)`. */
  const counted = new StatementRecorder();
  /** What a transaction run inside `heldAtCommit.run(hold, …)` awaits before its COMMIT. */
  const heldAtCommit = new AsyncLocalStorage<() => Promise<void>>();

  function achBody(invoiceId: string, amountCents?: number) {
    return {
      customerId,
      invoices: [{ invoiceId, ...(amountCents ? { amountCents } : {}) }],
      method: {
        type: 'ach',
        routingNumber: ROUTING,
        accountNumber: '987654321',
        accountNumberConfirmation: '987654321',
      },
    };
  }

  function gate(): { open: () => void; opened: Promise<void> } {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  }

  async function paidOn(invoiceId: string): Promise<{ count: number; cents: number }> {
    const [row]: { count: number; cents: number }[] = await dataSource.query(
      `SELECT count(*)::int AS count, COALESCE(SUM((item->>'amountCents')::bigint), 0)::int AS cents
         FROM intake.payments payment CROSS JOIN LATERAL jsonb_array_elements(payment.invoices) AS item
        WHERE item->>'invoiceId' = $1`,
      [invoiceId],
    );
    return row;
  }

  /**
   * Request A holds `key` and is stalled (`resume` lets it go on). Over a minute later the client
   * retries: B takes the key over at once and waits for the invoice; then A goes on. A must answer
   * IDEMPOTENCY.REQUEST_TAKEN_OVER, B's payment be the only one on the invoice, and a replay be B's.
   */
  async function expectTakeoverWins(
    key: string,
    payload: ReturnType<typeof achBody>,
    invoiceId: string,
    requestA: Promise<string | undefined>,
    resume: () => void,
  ): Promise<string> {
    const tokenOf = async (): Promise<string> => {
      const [row]: { lock_token: string }[] = await dataSource.query(
        `SELECT lock_token FROM intake.idempotency_keys WHERE scope = $1 AND idempotency_key = $2`,
        [sub, key],
      );
      return row.lock_token;
    };
    const tokenA = await tokenOf();
    await dataSource.query(
      `UPDATE intake.idempotency_keys SET locked_at = now() - interval '2 minutes' WHERE scope = $1 AND idempotency_key = $2`,
      [sub, key],
    );
    const requestB = client.pay(key, payload);
    await waitFor(async () => ((await tokenOf()) !== tokenA ? true : undefined), { what: 'the takeover' });
    resume();
    expect(await requestA).toBe('IDEMPOTENCY.REQUEST_TAKEN_OVER');
    const answerB = await requestB;
    expect(answerB.status).toBe(201);
    expect(answerB.body.amountCents).toBe(5000);
    expect(await paidOn(invoiceId)).toEqual({ count: 1, cents: 5000 });
    const replay = await client.pay(key, payload);
    expect(replay.status).toBe(201);
    expect(replay.body.paymentId).toBe(answerB.body.paymentId);
    return answerB.body.paymentId;
  }

  /**
   * Another payment on `invoiceId` (a check, through the same use case), in a transaction held open
   * with its invoice row locked and its payment written until `commit()`.
   */
  async function heldPayment(
    invoiceId: string,
    amountCents: number,
  ): Promise<{ commit: () => Promise<void> }> {
    const written = gate();
    const release = gate();
    const request = {
      customerId,
      invoices: [{ invoiceId, amountCents }],
      method: { type: 'check' as const },
    };
    const done = dataSource.transaction(async (manager) => {
      await app.get(SubmitPaymentService).submitInTransaction(manager, request, new Date());
      written.open();
      await release.opened;
    });
    await Promise.race([written.opened, done]);
    return {
      commit: async () => {
        release.open();
        await done;
      },
    };
  }

  beforeAll(async () => {
    ({ app, url } = await createTestingApp(PaymentIntakeModule));
    dataSource = app.get(DataSource);
    client = httpClient(url, token);
    counted.install();
    const holdAtCommit: EntitySubscriberInterface = {
      beforeTransactionCommit: () => heldAtCommit.getStore()?.(),
    };
    dataSource.subscribers.push(holdAtCommit);
  });

  afterAll(async () => {
    counted.uninstall();
    jest.restoreAllMocks();
    await app.close();
  });

  it('sends five statements for an ACH payment: claim, begin, locked read, one write that completes the key, commit', async () => {
    const invoiceId = await seedInvoice(dataSource, customerId, 5000);
    const statements: string[] = [];
    // submit() is all that POST /v1/payments runs (PaymentsController.submit); calling it here keeps
    // the statements of the app's consumers and relay, which share the pool, out of the count.
    const created = await counted.run(statements, () =>
      app.get(SubmitPaymentService).submit(principal, `five-${randomUUID()}`, achBody(invoiceId)),
    );
    expect(created).toMatchObject({ status: 201, replayed: false, body: { amountCents: 5000 } });
    expect(statements).toHaveLength(5);
    expect(statements[0]).toMatch(/^INSERT INTO "intake"\."idempotency_keys" .* ON CONFLICT DO NOTHING/);
    expect(statements[1]).toBe('START TRANSACTION');
    expect(statements[2]).toMatch(
      /^WITH in_flight AS .* FROM "intake"\."invoice_view" .* FOR UPDATE OF invoice$/,
    );
    expect(statements[3]).toMatch(
      /INSERT INTO "intake"\."payments" .*INSERT INTO "intake"\."payment_status_history" .*INSERT INTO "intake"\."outbox_events" .*completed AS \( UPDATE "intake"\."idempotency_keys" SET state = 'completed'/,
    );
    expect(statements[4]).toBe('COMMIT');
    // The key holds the response the request answered with, for a retry to replay.
    const [key]: { state: string; response_status: number; response_body: unknown }[] =
      await dataSource.query(
        `SELECT state, response_status, response_body FROM intake.idempotency_keys
        WHERE scope = $1 AND response_body->>'paymentId' = $2`,
        [sub, created.body.paymentId],
      );
    expect(key).toEqual({ state: 'completed', response_status: 201, response_body: created.body });

    // The one write left the payment, its history row and its payment.submitted as before.
    const payment = created.body;
    const [row]: { status: string; submitted_event_id: string }[] = await dataSource.query(
      `SELECT status, submitted_event_id FROM intake.payments WHERE payment_id = $1`,
      [payment.paymentId],
    );
    expect(row.status).toBe('submitted');
    const history: { status: string }[] = await dataSource.query(
      `SELECT status FROM intake.payment_status_history WHERE payment_id = $1`,
      [payment.paymentId],
    );
    expect(history).toEqual([{ status: 'submitted' }]);
    const [event]: { topic: string; message_key: string; event_type: string; payload: any; headers: any }[] =
      await dataSource.query(
        `SELECT topic, message_key, event_type, payload, headers FROM intake.outbox_events WHERE id = $1`,
        [row.submitted_event_id],
      );
    expect(event).toMatchObject({
      topic: 'intake.payments.v1',
      message_key: customerId,
      event_type: 'payment.submitted',
      headers: { ce_id: row.submitted_event_id, ce_type: 'payment.submitted' },
    });
    expect(event.payload).toMatchObject({ id: row.submitted_event_id, subject: payment.paymentId });
    expect(event.payload.data).toEqual({
      paymentId: payment.paymentId,
      customerId,
      amountCents: 5000,
      currency: 'USD',
      method: {
        type: 'ach',
        last4: '4321',
        bankAccount: {
          routingNumber: ROUTING,
          accountNumberCiphertext: expect.any(String),
          keyId: expect.any(String),
        },
      },
      invoices: [{ invoiceId, amountCents: 5000 }],
      submittedAt: payment.submittedAt,
      businessDate: payment.businessDate,
    });
  });

  it('counts money a payment committed while the request waited for the invoice lock', async () => {
    // The request's read is one statement whose snapshot predates its lock; the other payment's money
    // must count all the same, in the amount paid and in the refusals.
    const cases = [
      { other: 3000, asked: undefined, expected: { status: 201, amountCents: 2000 } },
      { other: 5000, asked: 5000, expected: { status: 422, code: 'PAYMENT.INVOICE_NOT_PAYABLE' } },
      { other: 5000, asked: 6000, expected: { status: 422, code: 'PAYMENT.INVOICE_NOT_PAYABLE' } },
      { other: 1000, asked: 4500, expected: { status: 422, code: 'PAYMENT.AMOUNT_EXCEEDS_AMOUNT_DUE' } },
    ];
    for (const { other, asked, expected } of cases) {
      const invoiceId = await seedInvoice(dataSource, customerId, 5000);
      const held = await heldPayment(invoiceId, other);
      const key = `waited-${randomUUID()}`;
      const response = client.pay(key, achBody(invoiceId, asked));
      await lockWaitOf(dataSource, '%invoice_view%FOR UPDATE%');
      await held.commit();
      const answer = await response;
      expect({ asked, status: answer.status }).toEqual({ asked, status: expected.status });
      if (expected.status === 201) {
        expect(answer.body.amountCents).toBe(expected.amountCents);
        // The second write (on the read under the locks) completed the key with its own payment.
        const replay = await client.pay(key, achBody(invoiceId, asked));
        expect({ status: replay.status, body: replay.body }).toEqual({ status: 201, body: answer.body });
      } else expect(answer.body.error.code).toBe(expected.code);
      if (expected.code === 'PAYMENT.AMOUNT_EXCEEDS_AMOUNT_DUE') {
        expect(answer.body.error.details[0].message).toBe(
          `at most ${5000 - other} cents may be paid on this invoice`,
        );
      }
      expect((await paidOn(invoiceId)).cents).toBeLessThanOrEqual(5000);
    }
  });

  it('lets concurrent payments on one invoice pay its balance once', async () => {
    const partial = await seedInvoice(dataSource, customerId, 10_000);
    const parts = await Promise.all(
      Array.from({ length: 8 }, () => client.pay(`part-${randomUUID()}`, achBody(partial, 3000))),
    );
    expect(parts.filter((answer) => answer.status === 201)).toHaveLength(3);
    for (const answer of parts.filter((each) => each.status !== 201)) {
      expect(answer.status).toBe(422);
      expect(answer.body.error.code).toBe('PAYMENT.AMOUNT_EXCEEDS_AMOUNT_DUE');
    }
    expect(await paidOn(partial)).toEqual({ count: 3, cents: 9000 });

    const whole = await seedInvoice(dataSource, customerId, 5000);
    const wholes = await Promise.all(
      Array.from({ length: 8 }, () => client.pay(`whole-${randomUUID()}`, achBody(whole))),
    );
    expect(wholes.filter((answer) => answer.status === 201).map((answer) => answer.body.amountCents)).toEqual(
      [5000],
    );
    for (const answer of wholes.filter((each) => each.status !== 201)) {
      expect(answer.body.error.code).toBe('PAYMENT.INVOICE_NOT_PAYABLE');
    }
    expect(await paidOn(whole)).toEqual({ count: 1, cents: 5000 });
  });

  it('refuses the work of a request whose key was taken over while it worked', async () => {
    const invoiceId = await seedInvoice(dataSource, customerId, 5000);
    const key = `during-${randomUUID()}`;
    const payload = achBody(invoiceId);
    const request = parseWith(submitPaymentSchema, payload);
    const hash = app.get(RequestFingerprint).of(request);
    const worked = gate();
    const resume = gate();
    // Request A has written its payment (its invoice row locked) and stalls before completing the key.
    const requestA = outcomeOf(
      app.get(IdempotencyService).run(sub, key, hash, async (manager) => {
        const body = await app.get(SubmitPaymentService).submitInTransaction(manager, request, new Date());
        worked.open();
        await resume.opened;
        return { status: 201, body };
      }),
    );
    await worked.opened;
    await expectTakeoverWins(key, payload, invoiceId, requestA, resume.open);
  });

  it('refuses the payment of a request whose key was taken over before its write completed it', async () => {
    const invoiceId = await seedInvoice(dataSource, customerId, 5000);
    const key = `before-write-${randomUUID()}`;
    const payload = achBody(invoiceId);
    const service = app.get<
      SubmitPaymentService,
      { insertPayment: (...args: unknown[]) => Promise<boolean>; logger: Logger }
    >(SubmitPaymentService);
    const insertPayment = service.insertPayment.bind(service);
    const atWrite = gate();
    const resume = gate();
    // Request A (the real path: its write completes the key) has locked its invoice and stalls
    // before the statement that writes the payment and completes the key.
    const spy = jest.spyOn(service, 'insertPayment').mockImplementationOnce(async (...args: unknown[]) => {
      atWrite.open();
      await resume.opened;
      return insertPayment(...args);
    });
    const logged = jest.spyOn(service.logger, 'log');
    const requestA = outcomeOf(app.get(SubmitPaymentService).submit(principal, key, payload));
    try {
      await atWrite.opened;
      // A's write will find the key no longer its own: the payment it wrote is rolled back with it.
      const paymentB = await expectTakeoverWins(key, payload, invoiceId, requestA, resume.open);
      // Only the payment that committed is logged as submitted, not A's, rolled back.
      const submitted = logged.mock.calls
        .map(([line]) => String(line))
        .filter((line) => / submitted by /.test(line));
      expect(submitted).toEqual([expect.stringContaining(`payment ${paymentB} submitted by ${customerId}`)]);
    } finally {
      resume.open();
      spy.mockRestore();
      logged.mockRestore();
    }
  });

  it('makes a retry that comes after the completion wait for the commit, then replay the response', async () => {
    const invoiceId = await seedInvoice(dataSource, customerId, 5000);
    const key = `after-${randomUUID()}`;
    const payload = achBody(invoiceId);
    const service = app.get<IdempotencyService, { claim: (...args: unknown[]) => Promise<unknown> }>(
      IdempotencyService,
    );
    const claim = service.claim.bind(service);
    const claimed = gate();
    const proceed = gate();
    const committing = gate();
    const commit = gate();
    // A claims the key and waits while the test makes the claim look over a minute old (so that B
    // would take an unfinished key over) ...
    const spy = jest.spyOn(service, 'claim').mockImplementationOnce(async (...args: unknown[]) => {
      const result = await claim(...args);
      claimed.open();
      await proceed.opened;
      return result;
    });
    // ... then does the work, completes the key and stalls at its COMMIT.
    const atCommit = async (): Promise<void> => {
      committing.open();
      await commit.opened;
    };
    const requestA = heldAtCommit.run(atCommit, () =>
      app.get(SubmitPaymentService).submit(principal, key, payload),
    );
    try {
      await claimed.opened;
      await dataSource.query(
        `UPDATE intake.idempotency_keys SET locked_at = now() - interval '2 minutes' WHERE scope = $1 AND idempotency_key = $2`,
        [sub, key],
      );
      proceed.open();
      await committing.opened;
      // B waits for A's row lock on the key, and finds the key completed once A commits.
      const requestB = client.pay(key, payload);
      await lockWaitOf(dataSource, '%idempotency_keys%');
      commit.open();
      const answerA = await requestA;
      expect(answerA).toMatchObject({ status: 201, replayed: false });
      const answerB = await requestB;
      expect(answerB.status).toBe(201);
      expect(answerB.body.paymentId).toBe(answerA.body.paymentId);
      expect(await paidOn(invoiceId)).toEqual({ count: 1, cents: 5000 });
    } finally {
      spy.mockRestore();
      proceed.open();
      commit.open();
    }
  });
});
