/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-assignment,
   @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return --
   test support for the int-specs: HTTP response bodies are JSON asserted field by field, as in the specs. */
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Partitioners, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { createCloudEvent, topicOfEvent, type EventData, type EventType } from '@remit/contracts';
import { createKafka, waitFor } from '@remit/messaging';
import { createTestingApp, loadConfig, signToken } from '@remit/platform';
import { InvoiceModule } from '../src/invoice.module';

export const POLL = { timeoutMs: 30_000, intervalMs: 100 };

export interface Response {
  status: number;
  body: any;
}

/** The invoice service on the real PostgreSQL, Redis and Kafka, with what its tests need to drive it. */
export class InvoiceHarness {
  readonly config = loadConfig();
  readonly opsToken = signToken(
    { sub: 'ops-invoice-test', role: 'ops', customers: [] },
    this.config.authJwtSecret,
  );
  app!: INestApplication;
  url = '';
  private producer?: Producer;

  async start(): Promise<void> {
    ({ app: this.app, url: this.url } = await createTestingApp(InvoiceModule));
  }

  async stop(): Promise<void> {
    await this.app.close();
  }

  async connectProducer(): Promise<void> {
    const kafka = createKafka({
      clientId: `invoice-int-spec-${randomUUID().slice(0, 8)}`,
      brokers: this.config.kafkaBrokers,
    });
    this.producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await this.producer.connect();
  }

  async disconnectProducer(): Promise<void> {
    await this.producer?.disconnect();
  }

  get dataSource(): DataSource {
    return this.app.get(DataSource);
  }

  customerToken(customerId: string): string {
    return signToken(
      { sub: `user-${customerId}`, role: 'customer', customers: [customerId] },
      this.config.authJwtSecret,
    );
  }

  async call(
    method: string,
    path: string,
    options: { token?: string; body?: unknown } = {},
  ): Promise<Response> {
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${options.token ?? this.opsToken}`,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** A new customer with one 7-digit account per site. */
  async createCustomer(
    options: { billingDelivery?: 'email' | 'paper'; sites?: number } = {},
  ): Promise<{ customerId: string; accounts: string[] }> {
    const customerId = `inv-${randomUUID().slice(0, 12)}`;
    const accounts = Array.from({ length: options.sites ?? 1 }, () =>
      String(1_000_000 + Math.floor(Math.random() * 8_999_999)),
    );
    const response = await this.call('POST', '/v1/customers', {
      body: {
        customerId,
        name: 'Corporate Account For Cloud Ser',
        email: `ap-${customerId}@example.com`,
        billingDelivery: options.billingDelivery ?? 'email',
        accounts: accounts.map((accountNumber, index) => ({
          accountNumber,
          siteName: `Site ${index + 1}`,
          city: 'HERND',
        })),
      },
    });
    if (response.status !== 201) throw new Error(`customer not created: ${JSON.stringify(response.body)}`);
    return { customerId, accounts };
  }

  async issueInvoice(
    accountNumber: string,
    amountCents: number,
    dueDate = '2026-12-01',
  ): Promise<{
    invoiceId: string;
    invoiceNumber: string;
    invoiceAmountCents: number;
    amountDueCents: number;
  }> {
    const response = await this.call('POST', '/v1/invoices', {
      body: {
        invoiceNumber: `INV-${randomUUID().slice(0, 13)}`,
        accountNumber,
        invoiceDate: '2026-11-01',
        dueDate,
        lines: [{ description: 'Internet', amountCents }],
      },
    });
    if (response.status !== 201) throw new Error(`invoice not issued: ${JSON.stringify(response.body)}`);
    return response.body;
  }

  /** Publishes an event as its producing service would, to the topic the contracts name. */
  async publish<T extends EventType>(
    type: T,
    customerId: string,
    data: EventData<T>,
    id?: string,
  ): Promise<string> {
    const event = createCloudEvent({ type, source: 'settlement', customerId, subject: customerId, data, id });
    await this.producer!.send({
      topic: topicOfEvent[type],
      messages: [{ key: customerId, value: JSON.stringify(event) }],
    });
    return event.id;
  }

  postedData(
    customerId: string,
    paymentId: string,
    amountCents: number,
    invoices: { invoiceId: string; amountCents?: number }[],
  ): EventData<'payment.posted'> {
    return {
      paymentId,
      customerId,
      amountCents,
      currency: 'USD',
      method: { type: 'ach', last4: '6789' },
      invoices,
      postingDate: '2026-11-25',
      postedAt: '2026-11-25T10:00:00.000Z',
    };
  }

  returnedData(customerId: string, paymentId: string, amountCents: number): EventData<'payment.returned'> {
    return {
      paymentId,
      customerId,
      amountCents,
      method: { type: 'ach', last4: '6789' },
      returnCode: 'R01',
      returnDescription: 'Insufficient funds',
      returnClass: 're-presentable',
      returnedAt: '2026-11-27T15:00:00.000Z',
      businessDate: '2026-11-27',
    };
  }

  async customer(customerId: string): Promise<any> {
    return (await this.call('GET', `/v1/customers/${customerId}`)).body;
  }

  async invoices(customerId: string): Promise<any[]> {
    return (await this.call('GET', `/v1/customers/${customerId}/invoices?status=all`)).body;
  }

  async invoice(customerId: string, invoiceId: string): Promise<any> {
    return (await this.invoices(customerId)).find(
      (invoice: { invoiceId: string }) => invoice.invoiceId === invoiceId,
    );
  }

  /** Waits until the payment's journal is written (the consumer applied it). */
  async journal(journalId: string): Promise<void> {
    await waitFor(
      async () => {
        const rows = await this.dataSource.query(`SELECT 1 FROM invoice.journals WHERE journal_id = $1`, [
          journalId,
        ]);
        return rows.length > 0 ? true : undefined;
      },
      { ...POLL, what: `journal ${journalId}` },
    );
  }

  /** Event types the service put in its outbox for a customer, oldest first. */
  async outboxTypes(customerId: string): Promise<string[]> {
    const rows: { event_type: string }[] = await this.dataSource.query(
      `SELECT event_type FROM invoice.outbox_events WHERE message_key = $1 ORDER BY seq`,
      [customerId],
    );
    return rows.map((row) => row.event_type);
  }

  async outboxPayloads(customerId: string, type: string): Promise<any[]> {
    const rows: { payload: { data: unknown } }[] = await this.dataSource.query(
      `SELECT payload FROM invoice.outbox_events WHERE message_key = $1 AND event_type = $2 ORDER BY seq`,
      [customerId, type],
    );
    return rows.map((row) => row.payload.data);
  }

  async expectLedgerBalanced(): Promise<void> {
    const verify = await this.call('GET', '/v1/ledger/verify');
    expect(verify.status).toBe(200);
    expect(verify.body.balanced).toBe(true);
    expect(verify.body.debitsCents).toBe(verify.body.creditsCents);
  }
}
