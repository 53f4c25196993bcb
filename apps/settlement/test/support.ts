import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { AccountNumberCipher, loadConfig, requirePaymentDataKey } from '@remit/platform';
import { createCloudEvent, type AnyCloudEvent, type CloudEvent, type EventData } from '@remit/contracts';
import { SchedulePaymentService } from '../src/postings/schedule-payment.service';

export type SubmittedMethod = EventData<'payment.submitted'>['method'];

/** The method of a submitted payment as intake sends it (a bank account only as ciphertext). */
export function methodOf(type: SubmittedMethod['type'], cardToken = 'tok_approve'): SubmittedMethod {
  switch (type) {
    case 'ach':
    case 'saved':
      return {
        type,
        last4: '6789',
        // Sealed for its payment id by submittedEvent(), as intake does.
        bankAccount: { routingNumber: '021000021', accountNumberCiphertext: 'unsealed', keyId: 'dev-1' },
        ...(type === 'saved' ? { paymentMethodId: `pm-${randomUUID().slice(0, 8)}` } : {}),
      };
    case 'card':
      return { type, cardToken };
    case 'check':
    case 'wire':
      return { type };
  }
}

export interface SubmittedInput {
  customerId: string;
  method: SubmittedMethod;
  businessDate: string;
  submittedAt: string;
  amountCents: number;
}

export function submittedEvent(input: SubmittedInput): CloudEvent<'payment.submitted'> {
  const paymentId = randomUUID();
  return createCloudEvent({
    type: 'payment.submitted',
    source: 'remit/payment-intake',
    customerId: input.customerId,
    subject: paymentId,
    data: {
      paymentId,
      customerId: input.customerId,
      amountCents: input.amountCents,
      currency: 'USD',
      method: input.method.bankAccount
        ? { ...input.method, bankAccount: sealedBankAccount(paymentId) }
        : input.method,
      invoices: [{ invoiceId: randomUUID() }],
      submittedAt: input.submittedAt,
      businessDate: input.businessDate,
    },
  });
}

/** The test account 000123456789, sealed with the test data key for `paymentId` (its AAD). */
function sealedBankAccount(paymentId: string): NonNullable<SubmittedMethod['bankAccount']> {
  const config = loadConfig();
  const sealed = new AccountNumberCipher(
    requirePaymentDataKey(config),
    config.previousPaymentDataKeys,
  ).encrypt('000123456789', paymentId);
  return { routingNumber: '021000021', accountNumberCiphertext: sealed.ciphertext, keyId: sealed.keyId };
}

/** Hands a `payment.submitted` to settlement as its Kafka consumer does: in one transaction. */
export async function submitToSettlement(app: INestApplication, input: SubmittedInput): Promise<string> {
  const event = submittedEvent(input);
  await app
    .get(DataSource)
    .transaction((manager) => app.get(SchedulePaymentService).onSubmitted(event, manager));
  return event.data.paymentId;
}

export interface OutboxEvent {
  type: string;
  data: Record<string, unknown>;
}

/** The events settlement wrote (in order) about one subject: what its outbox relay publishes. */
export async function outboxEventsOf(dataSource: DataSource, subject: string): Promise<OutboxEvent[]> {
  const rows = await dataSource.query<{ payload: AnyCloudEvent }[]>(
    `SELECT payload FROM settlement.outbox_events WHERE payload->>'subject' = $1 ORDER BY seq`,
    [subject],
  );
  return rows.map((row) => ({ type: row.payload.type, data: row.payload.data }));
}

export async function paymentRow(
  dataSource: DataSource,
  paymentId: string,
): Promise<Record<string, unknown> | undefined> {
  const [row] = await dataSource.query<Record<string, unknown>[]>(
    `SELECT status, posting_date, expires_on, card_token, authorization_id, failure_code, failure_reason,
            amount_cents::int AS amount_cents
       FROM settlement.settlement_payments WHERE payment_id = $1`,
    [paymentId],
  );
  return row;
}

/** Reads settlement's topics from their start into memory, with a consumer group of its own. */
export class TopicTap {
  readonly events: AnyCloudEvent[] = [];
  private consumer?: Consumer;

  constructor(private readonly topics: string[]) {}

  async start(): Promise<void> {
    const kafka = new Kafka({
      clientId: `settlement-test-${randomUUID().slice(0, 8)}`,
      brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      logLevel: logLevel.NOTHING,
    });
    this.consumer = kafka.consumer({ groupId: `settlement-test-tap-${randomUUID()}` });
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: this.topics, fromBeginning: true });
    await this.consumer.run({
      eachMessage: ({ message }) => {
        if (message.value) this.events.push(JSON.parse(message.value.toString()) as AnyCloudEvent);
        return Promise.resolve();
      },
    });
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** A business day of its own for each run (the test database outlives runs): Tuesday in a far year. */
export function uniqueYear(): number {
  return 2400 + Math.floor(Math.random() * 5000);
}
