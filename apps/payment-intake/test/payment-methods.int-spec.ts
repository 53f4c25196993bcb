import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { waitFor } from '@remit/messaging';
import { AccountNumberCipher, createTestingApp } from '@remit/platform';
import { PaymentIntakeModule } from '../src/payment-intake.module';
import { ROUTING, captureNestLogs, httpClient, seedInvoice, testCustomer, testPublisher } from './support';

/** Every method of the contract, saved bank accounts, and where an account number may (not) go. */
describe('payment methods at intake (real PostgreSQL, Redis, Kafka)', () => {
  const ACCOUNT = '4417123456';
  const OTHER_ACCOUNT = '55501234987';
  const { customerId, token } = testCustomer('methods');
  let app: INestApplication;
  let dataSource: DataSource;
  let http: ReturnType<typeof httpClient>;
  let publisher: Awaited<ReturnType<typeof testPublisher>>;
  const logs = captureNestLogs();

  const ach = (accountNumber = ACCOUNT, extra: Record<string, unknown> = {}) => ({
    type: 'ach',
    routingNumber: ROUTING,
    accountNumber,
    accountNumberConfirmation: accountNumber,
    ...extra,
  });

  async function payWith(method: unknown, amountDueCents = 5000) {
    const invoiceId = await seedInvoice(dataSource, customerId, amountDueCents);
    return http.pay(randomUUID(), { customerId, invoices: [{ invoiceId }], method });
  }

  async function submittedEvent(paymentId: string): Promise<any> {
    const [row] = await dataSource.query(
      `SELECT payload FROM intake.outbox_events WHERE event_type = 'payment.submitted' AND payload->>'subject' = $1`,
      [paymentId],
    );
    return row.payload;
  }

  beforeAll(async () => {
    let url: string;
    ({ app, url } = await createTestingApp(PaymentIntakeModule));
    dataSource = app.get(DataSource);
    http = httpClient(url, token);
    publisher = await testPublisher();
  });

  afterAll(async () => {
    await publisher?.close();
    await app?.close();
    logs.restore();
  });

  it('ach: 201 submitted, the 2-business-day notice, ciphertext bound to the payment in payment.submitted', async () => {
    const created = await payWith(ach());
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'submitted',
      customerId,
      amountCents: 5000,
      currency: 'USD',
      method: { type: 'ach', last4: '3456' },
    });
    expect(created.body.notice).toMatch(/up to 2 business days/);
    const event = await submittedEvent(created.body.paymentId);
    const bankAccount = event.data.method.bankAccount;
    expect(bankAccount.routingNumber).toBe(ROUTING);
    const cipher = app.get(AccountNumberCipher);
    expect(
      cipher.decrypt(bankAccount.accountNumberCiphertext, bankAccount.keyId, created.body.paymentId),
    ).toBe(ACCOUNT);
  });

  it('card: 201 submitted with a processor token only; payment.submitted carries the token', async () => {
    const created = await payWith({ type: 'card', cardToken: 'tok_visa_4242' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'submitted', method: { type: 'card' } });
    expect(created.body.notice).toMatch(/card processor approves/);
    expect(created.body.expectedPostingDate).toBe(created.body.businessDate);
    const event = await submittedEvent(created.body.paymentId);
    expect(event.data.method).toEqual({ type: 'card', cardToken: 'tok_visa_4242' });
  });

  it('card: a card number instead of a token is refused, naming its field', async () => {
    const refused = await payWith({ type: 'card', cardToken: '4111111111111111' });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('PAYMENT.CARD_NUMBER_REJECTED');
    expect(refused.body.error.details[0].field).toBe('method.cardToken');
  });

  it('check: 201 awaiting_funds, 5 business days out, the remit address and the portal notice', async () => {
    const created = await payWith({ type: 'check' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'awaiting_funds', method: { type: 'check' } });
    expect(created.body.notice).toContain('Fusion, P. O. Box 411470, Boston, MA 02241-1289');
    expect(created.body.notice).toMatch(/up to 5 business days/);
    expect(created.body.expectedPostingDate > created.body.businessDate).toBe(true);
    const history = await http.get(`/v1/payments/${created.body.paymentId}`);
    expect(history.body.statusHistory).toEqual([expect.objectContaining({ status: 'awaiting_funds' })]);
  });

  it('wire: 201 awaiting_funds, 2 business days out, the configured wire instructions', async () => {
    const created = await payWith({ type: 'wire' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'awaiting_funds', method: { type: 'wire' } });
    expect(created.body.notice).toContain('routing number 021000021');
    expect(created.body.notice).toContain(created.body.paymentId);
    expect(created.body.notice).toMatch(/up to 2 business days/);
  });

  it.each([
    ['method.routingNumber', { ...ach(), routingNumber: '12345' }],
    ['method.accountNumber', { ...ach(), accountNumber: 'abc', accountNumberConfirmation: 'abc' }],
    ['method.accountNumberConfirmation', { ...ach(), accountNumberConfirmation: '4417123457' }],
    ['method.paymentMethodId', { type: 'saved' }],
    ['method.cardToken', { type: 'card' }],
    ['method.type', { type: 'bitcoin' }],
  ])('a validation error names its field: %s', async (field, method) => {
    const refused = await payWith(method);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
  });

  it.each([
    ['customerId', (body: Record<string, unknown>) => ({ ...body, customerId: undefined })],
    ['invoices', (body: Record<string, unknown>) => ({ ...body, invoices: [] })],
    [
      'invoices.0.invoiceId',
      (body: Record<string, unknown>) => ({ ...body, invoices: [{ invoiceId: 'INV-1' }] }),
    ],
    [
      'invoices.0.amountCents',
      (body: Record<string, unknown>) => ({
        ...body,
        invoices: [{ invoiceId: randomUUID(), amountCents: 10.5 }],
      }),
    ],
    ['method', (body: Record<string, unknown>) => ({ ...body, method: undefined })],
  ])('a validation error of the body names its field: %s', async (field, mutate) => {
    const refused = await http.pay(
      randomUUID(),
      mutate({ customerId, invoices: [{ invoiceId: randomUUID() }], method: { type: 'check' } }),
    );
    expect(refused.status).toBe(400);
    expect(refused.body.error.details.map((detail: { field: string }) => detail.field)).toContain(field);
  });

  it('names the Idempotency-Key header when it is missing', async () => {
    const refused = await http.pay('', {
      customerId,
      invoices: [{ invoiceId: randomUUID() }],
      method: { type: 'check' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details[0].field).toBe('Idempotency-Key');
  });

  it('names the routing number whose check digit fails', async () => {
    const refused = await payWith({ ...ach(), routingNumber: '021000022' });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'PAYMENT.ROUTING_NUMBER_INVALID' });
    expect(refused.body.error.details[0].field).toBe('method.routingNumber');
  });

  it('saved methods: create, dedupe, list, pay with, delete', async () => {
    const base = `/v1/customers/${customerId}/payment-methods`;
    const body = {
      routingNumber: ROUTING,
      accountNumber: OTHER_ACCOUNT,
      accountNumberConfirmation: OTHER_ACCOUNT,
      accountHolderName: 'Ashley Palacol',
    };
    const created = await http.post(base, body);
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(
      ['accountHolderName', 'createdAt', 'last4', 'paymentMethodId', 'routingNumber', 'status'].sort(),
    );
    expect(created.body).toMatchObject({ routingNumber: ROUTING, last4: '4987', status: 'active' });
    const again = await http.post(base, body);
    expect(again.status).toBe(200);
    expect(again.body.paymentMethodId).toBe(created.body.paymentMethodId);
    const listed = await http.get(base);
    expect(listed.body.filter((m: any) => m.paymentMethodId === created.body.paymentMethodId)).toHaveLength(
      1,
    );
    const [stored] = await dataSource.query(
      `SELECT account_number_ciphertext, encryption_key_id, fingerprint FROM intake.payment_methods WHERE payment_method_id = $1`,
      [created.body.paymentMethodId],
    );
    expect(stored.fingerprint).not.toContain(OTHER_ACCOUNT);
    expect(
      app
        .get(AccountNumberCipher)
        .decrypt(stored.account_number_ciphertext, stored.encryption_key_id, created.body.paymentMethodId),
    ).toBe(OTHER_ACCOUNT);

    const paid = await payWith({ type: 'saved', paymentMethodId: created.body.paymentMethodId });
    expect(paid.status).toBe(201);
    expect(paid.body).toMatchObject({
      status: 'submitted',
      method: { type: 'saved', last4: '4987', paymentMethodId: created.body.paymentMethodId },
    });
    expect(paid.body.notice).toMatch(/up to 2 business days/);
    const event = await submittedEvent(paid.body.paymentId);
    expect(event.data.method.paymentMethodId).toBe(created.body.paymentMethodId);
    const sealed = event.data.method.bankAccount;
    // Sealed again for the payment: the payment id, not the method id, opens it.
    expect(
      app.get(AccountNumberCipher).decrypt(sealed.accountNumberCiphertext, sealed.keyId, paid.body.paymentId),
    ).toBe(OTHER_ACCOUNT);

    expect((await http.delete(`${base}/${created.body.paymentMethodId}`)).status).toBe(204);
    expect((await http.get(base)).body.map((m: any) => m.paymentMethodId)).not.toContain(
      created.body.paymentMethodId,
    );
    const refused = await payWith({ type: 'saved', paymentMethodId: created.body.paymentMethodId });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'PAYMENT.METHOD_NOT_FOUND' });
    expect(refused.body.error.details[0].field).toBe('method.paymentMethodId');
    expect((await http.delete(`${base}/${created.body.paymentMethodId}`)).status).toBe(404);
  });

  it('saved methods: errors name their field (confirmation, routing check digit, a card number)', async () => {
    const base = `/v1/customers/${customerId}/payment-methods`;
    const mismatch = await http.post(base, {
      routingNumber: ROUTING,
      accountNumber: '1212121212',
      accountNumberConfirmation: '1212121213',
    });
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.error.details[0].field).toBe('accountNumberConfirmation');
    const routing = await http.post(base, {
      routingNumber: '021000022',
      accountNumber: '1212121212',
      accountNumberConfirmation: '1212121212',
    });
    expect(routing.status).toBe(422);
    expect(routing.body.error.details[0].field).toBe('routingNumber');
    const card = await http.post(base, {
      routingNumber: ROUTING,
      accountNumber: '1212121212',
      accountNumberConfirmation: '1212121212',
      cardNumber: '4111111111111111',
    });
    expect(card.status).toBe(422);
    expect(card.body.error).toMatchObject({ code: 'PAYMENT.CARD_NUMBER_REJECTED' });
    expect(card.body.error.details[0].field).toBe('cardNumber');
  });

  it("refuses another customer's saved method", async () => {
    const stranger = testCustomer('stranger');
    const [method] = await dataSource.query(
      `INSERT INTO intake.payment_methods (payment_method_id, customer_id, routing_number, last4, account_number_ciphertext, encryption_key_id, fingerprint, status)
       VALUES ($1, $2, $3, '9999', 'x.y.z', 'dev-1', $4, 'active') RETURNING payment_method_id`,
      [randomUUID(), stranger.customerId, ROUTING, randomUUID()],
    );
    const refused = await payWith({ type: 'saved', paymentMethodId: method.payment_method_id });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('PAYMENT.METHOD_NOT_FOUND');
    const listed = await http.get(`/v1/customers/${stranger.customerId}/payment-methods`);
    expect(listed.status).toBe(403);
  });

  it('ach remember + autopay: saves (once) and enrols; an account-level return disables it and later payments are refused with its reason', async () => {
    const account = '7012345678';
    const first = await payWith(
      ach(account, { remember: true, autopay: true, accountHolderName: 'Billy Fisher' }),
    );
    expect(first.status).toBe(201);
    const paymentMethodId = first.body.method.paymentMethodId;
    expect(paymentMethodId).toEqual(expect.any(String));
    const second = await payWith(ach(account, { remember: true }));
    expect(second.body.method.paymentMethodId).toBe(paymentMethodId);
    const [enrolment] = await dataSource.query(
      `SELECT payment_method_id, days_before_due, status FROM intake.autopay_enrolments WHERE customer_id = $1`,
      [customerId],
    );
    expect(enrolment).toEqual({ payment_method_id: paymentMethodId, days_before_due: 0, status: 'active' });

    await publisher.publish('payment.returned', customerId, {
      paymentId: first.body.paymentId,
      customerId,
      amountCents: first.body.amountCents,
      method: { type: 'ach', last4: '5678' },
      returnCode: 'R03',
      returnDescription: 'No account/unable to locate account',
      returnClass: 'account-level',
      returnedAt: new Date().toISOString(),
      businessDate: first.body.businessDate,
      paymentMethodId,
    });
    const disabled = await waitFor(
      async () => {
        const listed = await http.get(`/v1/customers/${customerId}/payment-methods`);
        const method = listed.body.find((m: any) => m.paymentMethodId === paymentMethodId);
        return method?.status === 'disabled' ? method : undefined;
      },
      { what: 'the method disabled by the return', timeoutMs: 20_000 },
    );
    expect(disabled.disabledReason).toMatch(/R03/);
    expect(disabled.disabledAt).toEqual(expect.any(String));
    const returned = await waitFor(async () => {
      const payment = await http.get(`/v1/payments/${first.body.paymentId}`);
      return payment.body.status === 'returned' ? payment.body : undefined;
    });
    expect(returned.statusHistory.map((change: { status: string }) => change.status)).toEqual([
      'submitted',
      'returned',
    ]);
    const [event] = await dataSource.query(
      `SELECT payload FROM intake.outbox_events WHERE event_type = 'payment-method.disabled' AND payload->>'subject' = $1`,
      [paymentMethodId],
    );
    expect(event.payload.data).toMatchObject({ last4: '5678', returnCode: 'R03' });
    const [suspended] = await dataSource.query(
      `SELECT status FROM intake.autopay_enrolments WHERE customer_id = $1`,
      [customerId],
    );
    expect(suspended.status).toBe('suspended');

    const refused = await payWith({ type: 'saved', paymentMethodId });
    expect(refused.status).toBe(422);
    expect(refused.body.error.code).toBe('PAYMENT.METHOD_DISABLED');
    expect(refused.body.error.details[0]).toMatchObject({
      field: 'method.paymentMethodId',
      code: 'disabled',
    });
    expect(refused.body.error.message).toMatch(/R03/);
  });

  it('GET|PUT|DELETE autopay: shows the suspended enrolment, refuses a disabled method, re-enrols with an active one', async () => {
    const path = `/v1/customers/${customerId}/autopay`;
    const suspended = await http.get(path);
    expect(suspended.status).toBe(200);
    expect(suspended.body).toMatchObject({ customerId, daysBeforeDue: 0, status: 'suspended' });
    expect(suspended.body.suspendedReason).toMatch(/R03/);
    const refused = await http.put(path, { paymentMethodId: suspended.body.paymentMethodId });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatchObject({ code: 'PAYMENT.METHOD_DISABLED' });
    expect(refused.body.error.details[0].field).toBe('paymentMethodId');

    const fresh = await http.post(`/v1/customers/${customerId}/payment-methods`, {
      routingNumber: ROUTING,
      accountNumber: '8080808080',
      accountNumberConfirmation: '8080808080',
    });
    const enrolled = await http.put(path, { paymentMethodId: fresh.body.paymentMethodId });
    expect(enrolled.status).toBe(200);
    expect(enrolled.body).toEqual({
      customerId,
      paymentMethodId: fresh.body.paymentMethodId,
      last4: '8080',
      daysBeforeDue: 0,
      status: 'active',
      updatedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    expect((await http.delete(path)).status).toBe(204);
    const gone = await http.get(path);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('AUTOPAY.NOT_ENROLLED');
  });

  it('a notification of change corrects the saved account, sealed again for the method', async () => {
    const created = await payWith(ach('3300112233', { remember: true }));
    const paymentMethodId = created.body.method.paymentMethodId;
    const corrected = app.get(AccountNumberCipher).encrypt('3300112299', created.body.paymentId);
    await publisher.publish('payment.notice-of-change', customerId, {
      paymentId: created.body.paymentId,
      customerId,
      changeCode: 'C03',
      description: 'Incorrect routing and account number',
      paymentMethodId,
      correctedRoutingNumber: '011000015',
      correctedAccountNumber: { ciphertext: corrected.ciphertext, keyId: corrected.keyId, last4: '2299' },
      receivedAt: new Date().toISOString(),
    });
    const method = await waitFor(
      async () => {
        const listed = await http.get(`/v1/customers/${customerId}/payment-methods`);
        const found = listed.body.find((m: any) => m.paymentMethodId === paymentMethodId);
        return found?.last4 === '2299' ? found : undefined;
      },
      { what: 'the corrected method', timeoutMs: 20_000 },
    );
    expect(method.routingNumber).toBe('011000015');
    const [row] = await dataSource.query(
      `SELECT account_number_ciphertext, encryption_key_id FROM intake.payment_methods WHERE payment_method_id = $1`,
      [paymentMethodId],
    );
    expect(
      app
        .get(AccountNumberCipher)
        .decrypt(row.account_number_ciphertext, row.encryption_key_id, paymentMethodId),
    ).toBe('3300112299');
  });

  it('follows settlement: scheduled, awaiting_funds, posted, expired; a late or repeated event never moves a status back', async () => {
    const achPayment = (await payWith(ach())).body;
    const check = (await payWith({ type: 'check' })).body;
    const small = (payment: any) => ({
      paymentId: payment.paymentId,
      customerId,
      amountCents: payment.amountCents,
      method: { type: payment.method.type },
    });
    await publisher.publish('payment.scheduled', customerId, {
      ...small(achPayment),
      expectedPostingDate: achPayment.expectedPostingDate,
    });
    await publisher.publish('payment.posted', customerId, {
      ...small(achPayment),
      currency: 'USD',
      invoices: achPayment.invoices,
      postingDate: achPayment.expectedPostingDate,
      postedAt: new Date().toISOString(),
    });
    // Delivered again, late: must not move the posted payment back.
    await publisher.publish('payment.scheduled', customerId, {
      ...small(achPayment),
      expectedPostingDate: achPayment.expectedPostingDate,
    });
    await publisher.publish('payment.scheduled', customerId, {
      ...small(check),
      expectedPostingDate: check.expectedPostingDate,
      status: 'awaiting_funds',
    });
    await publisher.publish('payment.expired', customerId, {
      ...small(check),
      expiredAt: new Date().toISOString(),
    });
    const expired = await waitFor(async () => {
      const payment = await http.get(`/v1/payments/${check.paymentId}`);
      return payment.body.status === 'expired' ? payment.body : undefined;
    });
    expect(expired.statusHistory.map((change: { status: string }) => change.status)).toEqual([
      'awaiting_funds',
      'expired',
    ]);
    // Same partition, in order: the check's events came after the ACH payment's, so all are applied.
    const posted = (await http.get(`/v1/payments/${achPayment.paymentId}`)).body;
    expect(posted.status).toBe('posted');
    expect(posted.statusHistory.map((change: { status: string }) => change.status)).toEqual([
      'submitted',
      'scheduled',
      'posted',
    ]);
  });

  it('no response, event or log line carries a full account number', async () => {
    const secrets = [
      ACCOUNT,
      OTHER_ACCOUNT,
      '7012345678',
      '3300112233',
      '3300112299',
      '8080808080',
      '1212121212',
    ];
    for (const text of http.texts) for (const secret of secrets) expect(text).not.toContain(secret);
    const [{ count }] = await dataSource.query(
      `SELECT count(*)::int AS count FROM intake.outbox_events WHERE ${secrets.map((_s, i) => `payload::text LIKE $${i + 1}`).join(' OR ')}`,
      secrets.map((secret) => `%${secret}%`),
    );
    expect(count).toBe(0);
    expect(logs.lines.length).toBeGreaterThan(0);
    for (const line of logs.lines) for (const secret of secrets) expect(line).not.toContain(secret);
  });
});
