import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Logger } from '@nestjs/common';
import { Partitioners, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  createCloudEvent,
  topicOfEvent,
  type CloudEvent,
  type EventData,
  type EventType,
} from '@remit/contracts';
import { cloudEventHeaders, createKafka, parseBrokers } from '@remit/messaging';
import { loadConfig, signToken } from '@remit/platform';

export const ROUTING = '021000021';

/** A customer of its own for one test file, with a token that may act for it. */
export function testCustomer(prefix: string): { customerId: string; token: string; sub: string } {
  const customerId = `${prefix}-${randomUUID().slice(0, 8)}`;
  const sub = `user-${customerId}`;
  const token = signToken({ sub, role: 'customer', customers: [customerId] }, loadConfig().authJwtSecret);
  return { customerId, token, sub };
}

/** An open invoice in intake's invoice view, as `invoice.issued` would leave it. */
export async function seedInvoice(
  dataSource: DataSource,
  customerId: string,
  amountDueCents: number,
): Promise<string> {
  const invoiceId = randomUUID();
  await dataSource.query(
    `INSERT INTO intake.invoice_view (invoice_id, invoice_number, customer_id, due_date, invoice_date, amount_due_cents, status, updated_at)
     VALUES ($1, $2, $3, '2026-12-01', '2026-11-01', $4, 'open', now())`,
    [invoiceId, `INV-${invoiceId.slice(0, 8)}`, customerId, amountDueCents],
  );
  return invoiceId;
}

/** `invoice.balance-changed` for an invoice of `customerId` of `invoiceAmountCents`, as invoice publishes it. */
export function balanceChanged(
  customerId: string,
  invoiceId: string,
  invoiceAmountCents: number,
  amountDueCents: number,
  version: number,
): CloudEvent<'invoice.balance-changed'> {
  return createCloudEvent({
    type: 'invoice.balance-changed',
    source: 'remit/invoice',
    customerId,
    subject: invoiceId,
    data: {
      invoiceId,
      invoiceNumber: `INV-${invoiceId.slice(0, 8)}`,
      customerId,
      accountNumber: '3418205',
      invoiceDate: '2026-11-01',
      dueDate: '2026-12-01',
      invoiceAmountCents,
      amountDueCents,
      status: amountDueCents === 0 ? 'paid' : 'open',
      version,
    },
  });
}

export interface HttpResult {
  status: number;
  /** JSON, asserted field by field in the specs (as their eslint override allows there). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
}

/** What a request made in the test came to: 'created', or the code of the error it threw. */
export function outcomeOf(request: Promise<unknown>): Promise<string | undefined> {
  return request.then(
    () => 'created',
    (error: { code?: string }) => error.code,
  );
}

/** An HTTP client that keeps every response text, to check none ever carries an account number. */
export function httpClient(url: string, token: string) {
  const texts: string[] = [];
  async function call(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResult> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    texts.push(text);
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    const result: HttpResult = { status: response.status, body: parsed, text };
    return result;
  }
  return {
    texts,
    pay: (key: string, body: unknown) => call('POST', '/v1/payments', body, { 'idempotency-key': key }),
    get: (path: string) => call('GET', path),
    post: (path: string, body?: unknown) => call('POST', path, body ?? {}),
    put: (path: string, body?: unknown) => call('PUT', path, body ?? {}),
    delete: (path: string) => call('DELETE', path),
  };
}

/** Every line the app's Nest loggers are given, whatever the log level lets through. */
export function captureNestLogs(): { lines: string[]; restore: () => void } {
  const lines: string[] = [];
  const spies = (['log', 'warn', 'error', 'debug', 'verbose'] as const).map((level) =>
    jest.spyOn(Logger.prototype, level).mockImplementation(function (this: Logger, ...args: unknown[]) {
      lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
    }),
  );
  return { lines, restore: () => spies.forEach((spy) => spy.mockRestore()) };
}

/** Publishes events as another service would (through Kafka, to the topic of each type). */
export async function testPublisher(): Promise<{
  publish: <T extends EventType>(type: T, customerId: string, data: EventData<T>) => Promise<string>;
  send: (topic: string, key: string, value: unknown, headers?: Record<string, string>) => Promise<void>;
  close: () => Promise<void>;
}> {
  const kafka = createKafka({
    clientId: `intake-test-${randomUUID().slice(0, 8)}`,
    brokers: parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
  });
  const producer: Producer = kafka.producer({
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    async publish(type, customerId, data) {
      const event = createCloudEvent({ type, source: 'remit/test', customerId, data });
      await producer.send({
        topic: topicOfEvent[type],
        messages: [{ key: customerId, value: JSON.stringify(event), headers: cloudEventHeaders(event) }],
      });
      return event.id;
    },
    async send(topic, key, value, headers = {}) {
      await producer.send({ topic, messages: [{ key, value: JSON.stringify(value), headers }] });
    },
    close: () => producer.disconnect(),
  };
}

export type TestApp = { app: INestApplication; url: string; dataSource: DataSource };
