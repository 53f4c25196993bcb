import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { CloudEvent, EventType } from '@remit/contracts';
import { createTestingApp, loadConfig, signToken } from '@remit/platform';
import { PaymentIntakeModule } from '../src/payment-intake.module';
import { ROUTING, httpClient } from './support';

/** An ops token (POST /v1/autopay/runs, any customer). */
export function opsToken(): string {
  return signToken(
    { sub: `ops-${randomUUID().slice(0, 8)}`, role: 'ops', customers: [] },
    loadConfig().authJwtSecret,
  );
}

/** An open invoice in intake's invoice view with the given due date. */
export async function seedDueInvoice(
  dataSource: DataSource,
  customerId: string,
  amountDueCents: number,
  dueDate: string,
): Promise<string> {
  const invoiceId = randomUUID();
  await dataSource.query(
    `INSERT INTO intake.invoice_view (invoice_id, invoice_number, customer_id, due_date, invoice_date, amount_due_cents, status, updated_at)
     VALUES ($1, $2, $3, $4, '2026-11-01', $5, 'open', now())`,
    [invoiceId, `INV-${invoiceId.slice(0, 8)}`, customerId, dueDate, amountDueCents],
  );
  return invoiceId;
}

/** Saves a bank account for the customer and enrols it in autopay; returns the method id. */
export async function enrolCustomer(
  http: ReturnType<typeof httpClient>,
  customerId: string,
  accountNumber: string,
  daysBeforeDue = 0,
): Promise<string> {
  const saved = await http.post(`/v1/customers/${customerId}/payment-methods`, {
    routingNumber: ROUTING,
    accountNumber,
    accountNumberConfirmation: accountNumber,
  });
  if (saved.status !== 201) throw new Error(`saving a method: ${saved.status} ${saved.text}`);
  const { paymentMethodId } = saved.body as { paymentMethodId: string };
  const enrolled = await http.put(`/v1/customers/${customerId}/autopay`, { paymentMethodId, daysBeforeDue });
  if (enrolled.status !== 200) throw new Error(`enrolling: ${enrolled.status} ${enrolled.text}`);
  return paymentMethodId;
}

export interface AutopayTestPayment {
  paymentId: string;
  amountCents: number;
  status: string;
  event: CloudEvent<'payment.submitted'>;
}

/** The customer's payments, oldest first, with the `payment.submitted` each published. */
export async function paymentsOf(dataSource: DataSource, customerId: string): Promise<AutopayTestPayment[]> {
  const rows: {
    payment_id: string;
    amount_cents: string;
    status: string;
    payload: CloudEvent<'payment.submitted'>;
  }[] = await dataSource.query(
    `SELECT p.payment_id, p.amount_cents, p.status, o.payload
         FROM intake.payments p
         LEFT JOIN intake.outbox_events o
           ON o.event_type = 'payment.submitted' AND o.payload->>'subject' = p.payment_id::text
        WHERE p.customer_id = $1
        ORDER BY p.submitted_at, p.created_at`,
    [customerId],
  );
  return rows.map((row) => ({
    paymentId: row.payment_id,
    amountCents: Number(row.amount_cents),
    status: row.status,
    event: row.payload,
  }));
}

/** The events of a type intake wrote to its outbox for a customer, oldest first. */
export async function outboxEvents<T extends EventType>(
  dataSource: DataSource,
  type: T,
  customerId: string,
): Promise<CloudEvent<T>[]> {
  const rows: { payload: CloudEvent<T> }[] = await dataSource.query(
    `SELECT payload FROM intake.outbox_events
      WHERE event_type = $1 AND payload->'data'->>'customerId' = $2 ORDER BY created_at, seq`,
    [type, customerId],
  );
  return rows.map((row) => row.payload);
}

export async function startIntake(): Promise<{ app: INestApplication; url: string; dataSource: DataSource }> {
  const { app, url } = await createTestingApp(PaymentIntakeModule);
  return { app, url, dataSource: app.get(DataSource) };
}
