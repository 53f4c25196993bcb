import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AccountNumberCipher, createTestingApp, loadConfig, signToken } from '@remit/platform';
import { PaymentIntakeModule } from '../src/payment-intake.module';
import { IdempotencyService } from '../src/idempotency/idempotency.service';
import { RequestFingerprint } from '../src/idempotency/request-fingerprint';
import { SubmitPaymentService } from '../src/payments/submit-payment.service';
import { outcomeOf } from './support';

describe('POST /v1/payments idempotency (real PostgreSQL, Redis, Kafka)', () => {
  const config = loadConfig();
  let app: INestApplication;
  let url: string;
  let dataSource: DataSource;
  const customerId = `idem-${randomUUID().slice(0, 8)}`;
  const principal = { sub: `user-${customerId}`, role: 'customer' as const, customers: [customerId] };
  const token = signToken(principal, config.authJwtSecret);

  async function seedInvoice(amountDueCents: number): Promise<string> {
    const invoiceId = randomUUID();
    await dataSource.query(
      `INSERT INTO intake.invoice_view (invoice_id, invoice_number, customer_id, due_date, invoice_date, amount_due_cents, status, updated_at)
       VALUES ($1, $2, $3, '2026-12-01', '2026-11-01', $4, 'open', now())`,
      [invoiceId, `INV-${invoiceId.slice(0, 8)}`, customerId, amountDueCents],
    );
    return invoiceId;
  }

  function body(invoiceId: string, amountCents?: number) {
    return {
      customerId,
      invoices: [{ invoiceId, ...(amountCents ? { amountCents } : {}) }],
      method: {
        type: 'ach',
        routingNumber: '021000021',
        accountNumber: '987654321',
        accountNumberConfirmation: '987654321',
      },
    };
  }

  async function pay(key: string, payload: unknown): Promise<{ status: number; body: any }> {
    const response = await fetch(`${url}/v1/payments`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'idempotency-key': key,
      },
      body: JSON.stringify(payload),
    });
    return { status: response.status, body: await response.json() };
  }

  async function paymentsFor(invoiceId: string): Promise<number> {
    const [row] = await dataSource.query(
      `SELECT count(*)::int AS count FROM intake.payments WHERE invoices @> $1::jsonb`,
      [JSON.stringify([{ invoiceId }])],
    );
    return row.count as number;
  }

  beforeAll(async () => {
    ({ app, url } = await createTestingApp(PaymentIntakeModule));
    dataSource = app.get(DataSource);
  });

  afterAll(async () => {
    await app.close();
  });

  it('creates one payment for many concurrent requests with the same key and body', async () => {
    const invoiceId = await seedInvoice(5000);
    const key = `concurrent-${randomUUID()}`;
    const responses = await Promise.all(Array.from({ length: 8 }, () => pay(key, body(invoiceId))));
    const created = responses.filter((response) => response.status === 201);
    expect(created.length).toBeGreaterThan(0);
    for (const response of responses) expect([201, 409]).toContain(response.status);
    expect(new Set(created.map((response) => response.body.paymentId)).size).toBe(1);
    expect(await paymentsFor(invoiceId)).toBe(1);
  });

  it('makes one payment of 100 concurrent requests with one key; the rest replay it or answer 409', async () => {
    const invoiceId = await seedInvoice(5000);
    const key = `hundred-${randomUUID()}`;
    const responses = await Promise.all(Array.from({ length: 100 }, () => pay(key, body(invoiceId))));
    for (const response of responses) expect([201, 409]).toContain(response.status);
    const created = responses.filter((response) => response.status === 201);
    expect(created.length).toBeGreaterThan(0);
    expect(new Set(created.map((response) => response.body.paymentId)).size).toBe(1);
    expect(await paymentsFor(invoiceId)).toBe(1);
    const replay = await pay(key, body(invoiceId));
    expect(replay.status).toBe(201);
    expect(replay.body.paymentId).toBe(created[0].body.paymentId);
    const reused = await pay(key, body(invoiceId, 100));
    expect(reused.status).toBe(422);
    expect(reused.body.error.code).toBe('IDEMPOTENCY.KEY_REUSED');
  });

  it('answers 409 while the same key is still in flight, and takes over a key abandoned for over a minute', async () => {
    const invoiceId = await seedInvoice(5000);
    const key = `in-flight-${randomUUID()}`;
    const payload = body(invoiceId);
    const hash = app.get(RequestFingerprint).of(payload);
    await dataSource.query(
      `INSERT INTO intake.idempotency_keys (scope, idempotency_key, request_hash, state, locked_at) VALUES ($1, $2, $3, 'in_flight', now())`,
      [principal.sub, key, hash],
    );
    const busy = await pay(key, payload);
    expect(busy.status).toBe(409);
    expect(busy.body.error.code).toBe('IDEMPOTENCY.REQUEST_IN_FLIGHT');
    expect(await paymentsFor(invoiceId)).toBe(0);

    await dataSource.query(
      `UPDATE intake.idempotency_keys SET locked_at = now() - interval '2 minutes' WHERE scope = $1 AND idempotency_key = $2`,
      [principal.sub, key],
    );
    const resumed = await pay(key, payload);
    expect(resumed.status).toBe(201);
    expect(await paymentsFor(invoiceId)).toBe(1);
  });

  it('lets a takeover win: the request it replaced can no longer create a second payment', async () => {
    const invoiceId = await seedInvoice(5000);
    const key = `fenced-${randomUUID()}`;
    const payload = body(invoiceId);
    // Request A claims the key, then stalls before its transaction (a long GC pause, say).
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let stalled!: () => void;
    const isStalled = new Promise<void>((resolve) => (stalled = resolve));
    // Stall request A right after its claim: only the idempotency service's own claim is wrapped,
    // so the app's Kafka consumers (which share the DataSource) are never caught by the stall.
    const service = app.get<IdempotencyService, { claim: (...args: unknown[]) => Promise<unknown> }>(
      IdempotencyService,
    );
    const claim = service.claim.bind(service);
    const spy = jest.spyOn(service, 'claim').mockImplementationOnce(async (...args: unknown[]) => {
      const claimed = await claim(...args);
      stalled();
      await gate;
      return claimed;
    });
    const requestA = outcomeOf(app.get(SubmitPaymentService).submit(principal, key, payload));
    await isStalled;
    // Over a minute later the client retries; B takes the key over and pays.
    await dataSource.query(
      `UPDATE intake.idempotency_keys SET locked_at = now() - interval '2 minutes' WHERE scope = $1 AND idempotency_key = $2`,
      [principal.sub, key],
    );
    const requestB = await pay(key, payload);
    expect(requestB.status).toBe(201);
    // A wakes up: its claim was replaced, so its transaction refuses to do the work.
    release();
    expect(await requestA).toBe('IDEMPOTENCY.REQUEST_TAKEN_OVER');
    spy.mockRestore();
    expect(await paymentsFor(invoiceId)).toBe(1);
    const replay = await pay(key, payload);
    expect(replay.status).toBe(201);
    expect(replay.body.paymentId).toBe(requestB.body.paymentId);
  });

  it('forgets keys after their retention, and only those', async () => {
    const [old, fresh] = [`old-${randomUUID()}`, `fresh-${randomUUID()}`];
    await dataSource.query(
      `INSERT INTO intake.idempotency_keys (scope, idempotency_key, request_hash, state, created_at, locked_at)
       VALUES ($1, $2, 'h', 'completed', now() - interval '25 hours', now() - interval '25 hours'),
              ($1, $3, 'h', 'completed', now() - interval '23 hours', now() - interval '23 hours')`,
      [principal.sub, old, fresh],
    );
    expect(await app.get(IdempotencyService).purgeExpired(24, 1)).toBeGreaterThanOrEqual(1);
    const left = await dataSource.query(
      `SELECT idempotency_key FROM intake.idempotency_keys WHERE scope = $1 AND idempotency_key = ANY($2)`,
      [principal.sub, [old, fresh]],
    );
    expect(left).toEqual([{ idempotency_key: fresh }]);
  });

  it('refuses more than 100 invoices in one payment', async () => {
    const tooMany = {
      ...body(randomUUID()),
      invoices: Array.from({ length: 101 }, () => ({ invoiceId: randomUUID() })),
    };
    const refused = await pay(`many-${randomUUID()}`, tooMany);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      expect.objectContaining({ field: 'invoices', code: 'too_big' }),
    ]);
  });

  it('refuses a second payment that would pay the same balance twice', async () => {
    const invoiceId = await seedInvoice(5000);
    expect((await pay(`first-${randomUUID()}`, body(invoiceId, 3000))).status).toBe(201);
    const second = await pay(`second-${randomUUID()}`, body(invoiceId, 3000));
    expect(second.status).toBe(422);
    expect(second.body.error).toMatchObject({ code: 'PAYMENT.AMOUNT_EXCEEDS_AMOUNT_DUE' });
    expect(second.body.error.details[0].field).toBe('invoices.0.amountCents');
    expect((await pay(`third-${randomUUID()}`, body(invoiceId, 2000))).status).toBe(201);
  });

  it('stores the account number encrypted, never in clear', async () => {
    const invoiceId = await seedInvoice(700);
    const created = await pay(`secret-${randomUUID()}`, body(invoiceId));
    expect(created.status).toBe(201);
    const [row] = await dataSource.query(
      `SELECT account_number_ciphertext, encryption_key_id, last4 FROM intake.payments WHERE payment_id = $1`,
      [created.body.paymentId],
    );
    expect(row.last4).toBe('4321');
    expect(row.account_number_ciphertext).not.toContain('987654321');
    const cipher = app.get(AccountNumberCipher);
    expect(cipher.decrypt(row.account_number_ciphertext, row.encryption_key_id, created.body.paymentId)).toBe(
      '987654321',
    );
    // Bound to its payment: the same ciphertext under another payment's id does not decrypt.
    expect(() =>
      cipher.decrypt(row.account_number_ciphertext, row.encryption_key_id, randomUUID()),
    ).toThrow();
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM intake.outbox_events WHERE payload::text LIKE '%987654321%'`,
    );
    expect(count).toBe(0);
  });
});
