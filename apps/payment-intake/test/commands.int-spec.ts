import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { Consumer, KafkaMessage } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics } from '@remit/contracts';
import { createKafka, parseBrokers, waitFor } from '@remit/messaging';
import { createTestingApp } from '@remit/platform';
import { PaymentCommandsConsumer } from '../src/commands/payment-commands.consumer';
import { PaymentCommandsService } from '../src/commands/payment-commands.service';
import { PaymentIntakeModule } from '../src/payment-intake.module';
import { httpClient, ROUTING, seedInvoice, testCustomer, testPublisher } from './support';

/** Portal commands over Kafka: payments.commands.v1 in, payments.command-results.v1 out. */
describe('payments.commands.v1 (real PostgreSQL, Redis, Kafka)', () => {
  const { customerId, token } = testCustomer('commands');
  let app: INestApplication;
  let dataSource: DataSource;
  let publisher: Awaited<ReturnType<typeof testPublisher>>;
  let results: Consumer;
  const received: { key: string; value: any }[] = [];

  function command(type: string, id: string, data: unknown) {
    return {
      specversion: '1.0',
      id,
      source: 'remit/portal-test',
      type,
      time: new Date().toISOString(),
      data,
    };
  }

  async function send(body: unknown, bearer: string | null = token): Promise<void> {
    await publisher.send(
      Topics.paymentsCommands,
      customerId,
      body,
      bearer ? { authorization: `Bearer ${bearer}` } : {},
    );
  }

  async function resultsFor(commandId: string, count = 1): Promise<{ key: string; value: any }[]> {
    return waitFor(
      () => {
        const found = received.filter((message) => message.value.subject === commandId);
        return found.length >= count ? found : undefined;
      },
      { what: `${count} result(s) of command ${commandId}`, timeoutMs: 60_000 },
    );
  }

  async function paymentsFor(invoiceId: string): Promise<number> {
    const [row] = await dataSource.query(
      `SELECT count(*)::int AS count FROM intake.payments WHERE invoices @> $1::jsonb`,
      [JSON.stringify([{ invoiceId }])],
    );
    return row.count as number;
  }

  /** The customer's saved account (saved over HTTPS): a command pays with it, never with a clear one. */
  let paymentMethodId: string;
  const submitBody = (invoiceId: string, extra: Record<string, unknown> = {}) => ({
    customerId,
    invoices: [{ invoiceId }],
    method: { type: 'saved', paymentMethodId },
    ...extra,
  });

  beforeAll(async () => {
    const started = await createTestingApp(PaymentIntakeModule);
    app = started.app;
    dataSource = app.get(DataSource);
    const saved = await httpClient(started.url, token).post(`/v1/customers/${customerId}/payment-methods`, {
      routingNumber: ROUTING,
      accountNumber: '123456789',
      accountNumberConfirmation: '123456789',
    });
    expect(saved.status).toBe(201);
    paymentMethodId = saved.body.paymentMethodId;
    publisher = await testPublisher();
    const kafka = createKafka({
      clientId: `intake-results-${randomUUID().slice(0, 8)}`,
      brokers: parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
    });
    results = kafka.consumer({ groupId: `intake-results-test-${randomUUID()}`, maxWaitTimeInMs: 500 });
    await results.connect();
    await results.subscribe({ topics: [Topics.paymentsCommandResults], fromBeginning: true });
    await results.run({
      eachMessage: ({ message }: { message: KafkaMessage }) => {
        received.push({
          key: message.key?.toString() ?? '',
          value: JSON.parse(message.value?.toString() ?? '{}'),
        });
        return Promise.resolve();
      },
    });
    await app.get(PaymentCommandsConsumer).ready;
  });

  afterAll(async () => {
    await results?.disconnect();
    await publisher?.close();
    await app?.close();
  });

  it('SubmitPayment → an accepted result keyed by the customer → a payment; a duplicate gets the same result and changes nothing', async () => {
    const invoiceId = await seedInvoice(dataSource, customerId, 4200);
    const commandId = randomUUID();
    await send(command('SubmitPayment', commandId, submitBody(invoiceId)));
    const [result] = await resultsFor(commandId);
    expect(result.key).toBe(customerId);
    expect(result.value).toMatchObject({
      type: 'payment-command.accepted',
      customerid: customerId,
      correlationid: commandId,
      data: {
        commandId,
        commandType: 'SubmitPayment',
        status: 201,
        payment: {
          customerId,
          amountCents: 4200,
          status: 'submitted',
          method: { type: 'saved', last4: '6789', paymentMethodId },
        },
      },
    });
    const paymentId = result.value.data.payment.paymentId;
    const [stored] = await dataSource.query(`SELECT status FROM intake.payments WHERE payment_id = $1`, [
      paymentId,
    ]);
    expect(stored.status).toBe('submitted');

    await send(command('SubmitPayment', commandId, submitBody(invoiceId)));
    const [, duplicate] = await resultsFor(commandId, 2);
    expect(duplicate.value.type).toBe('payment-command.accepted');
    expect(duplicate.value.data.payment.paymentId).toBe(paymentId);
    expect(await paymentsFor(invoiceId)).toBe(1);
    for (const message of received) expect(JSON.stringify(message.value)).not.toContain('123456789');
  });

  it('an invalid SubmitPayment → a rejected result with the HTTP error body, and nothing stored', async () => {
    const invoiceId = await seedInvoice(dataSource, customerId, 4200);
    const commandId = randomUUID();
    await send(command('SubmitPayment', commandId, submitBody(invoiceId, { invoices: [] })));
    const [result] = await resultsFor(commandId);
    expect(result.key).toBe(customerId);
    expect(result.value).toMatchObject({
      type: 'payment-command.rejected',
      data: {
        commandId,
        commandType: 'SubmitPayment',
        status: 400,
        error: {
          code: 'VALIDATION_FAILED',
          details: [expect.objectContaining({ field: 'invoices' })],
        },
      },
    });
    expect(await paymentsFor(invoiceId)).toBe(0);
    const keys = await dataSource.query(`SELECT 1 FROM intake.idempotency_keys WHERE idempotency_key = $1`, [
      commandId,
    ]);
    expect(keys).toHaveLength(0);
  });

  it('refuses a SubmitPayment that carries a bank account number: no topic holds one; nothing stored', async () => {
    const invoiceId = await seedInvoice(dataSource, customerId, 4200);
    const commandId = randomUUID();
    await send(
      command('SubmitPayment', commandId, {
        customerId,
        invoices: [{ invoiceId }],
        method: {
          type: 'ach',
          routingNumber: ROUTING,
          accountNumber: '555000111222',
          accountNumberConfirmation: '555000111222',
        },
      }),
    );
    const [result] = await resultsFor(commandId);
    expect(result.value).toMatchObject({
      type: 'payment-command.rejected',
      data: {
        commandId,
        status: 422,
        error: {
          code: 'COMMAND.BANK_ACCOUNT_IN_CLEAR',
          details: [expect.objectContaining({ field: 'method.type' })],
        },
      },
    });
    expect(JSON.stringify(result.value)).not.toContain('555000111222');
    expect(await paymentsFor(invoiceId)).toBe(0);
  });

  it('verifies the bearer token like HTTP: none → 401, another customer → 403; nothing stored', async () => {
    const invoiceId = await seedInvoice(dataSource, customerId, 4200);
    const anonymous = randomUUID();
    await send(command('SubmitPayment', anonymous, submitBody(invoiceId)), null);
    const [unauthenticated] = await resultsFor(anonymous);
    expect(unauthenticated.value.data).toMatchObject({ status: 401, error: { code: 'UNAUTHENTICATED' } });

    const stranger = testCustomer('commands-stranger');
    const forbidden = randomUUID();
    await send(command('SubmitPayment', forbidden, submitBody(invoiceId)), stranger.token);
    const [refused] = await resultsFor(forbidden);
    expect(refused.value.data.status).toBe(403);
    expect(await paymentsFor(invoiceId)).toBe(0);
  });

  it('leaves unanswered a message that is not JSON or has no command id (nothing to key a result on)', async () => {
    const commands = app.get(PaymentCommandsService);
    expect(await commands.handle({ value: Buffer.from('not json'), authorization: undefined })).toEqual({
      kind: 'unanswerable',
      reason: 'not JSON',
    });
    const withoutId = { ...command('SubmitPayment', 'x', {}), id: undefined };
    expect(
      await commands.handle({
        value: Buffer.from(JSON.stringify(withoutId)),
        authorization: `Bearer ${token}`,
      }),
    ).toEqual({ kind: 'unanswerable', reason: 'no command id' });
  });

  it('CancelPayment → the payment canceled; an unknown command type → rejected', async () => {
    const invoiceId = await seedInvoice(dataSource, customerId, 4200);
    const submitId = randomUUID();
    await send(command('SubmitPayment', submitId, submitBody(invoiceId)));
    const [submitted] = await resultsFor(submitId);
    const paymentId = submitted.value.data.payment.paymentId;
    const cancelId = randomUUID();
    await send(command('CancelPayment', cancelId, { paymentId }));
    const [canceled] = await resultsFor(cancelId);
    expect(canceled.value.data).toMatchObject({
      commandType: 'CancelPayment',
      status: 200,
      payment: { paymentId, status: 'canceled' },
    });

    const unknown = randomUUID();
    await send(command('RefundPayment', unknown, { paymentId }));
    const [rejected] = await resultsFor(unknown);
    expect(rejected.value.data).toMatchObject({ status: 400, error: { code: 'VALIDATION_FAILED' } });
    expect(rejected.value.data.error.details[0].field).toBe('type');
  });
});
