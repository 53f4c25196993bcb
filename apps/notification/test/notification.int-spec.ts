import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { DataSource } from 'typeorm';
import { createCloudEvent, type CloudEvent } from '@remit/contracts';
import { waitFor } from '@remit/messaging';
import { loadConfig, signToken } from '@remit/platform';
import { DeliverNotificationService } from '../src/delivery/deliver-notification.service';
import { DELIVERY_QUEUE } from '../src/delivery/delivery-queue';
import { DeliveryProcessor } from '../src/delivery/delivery.processor';
import { verifyWebhookSignature } from '../src/webhooks/webhook-signature';
import { startNotification } from './support/app';
import { EventPublisher } from './support/events';
import { SmtpSink, type ReceivedMail } from './support/smtp-sink';
import { WebhookReceiver } from './support/webhook-receiver';

/** Asynchronous effects cross Kafka, BullMQ and SMTP: poll with a deadline, never a fixed sleep. */
const POLL = { timeoutMs: 30_000, intervalMs: 100 };
/** A bank account number as only intake and settlement ever see it: it must appear in no email. */
const FULL_ACCOUNT_NUMBER = '000123456789';

/**
 * One notification app for the whole file: its Kafka consumer groups and BullMQ queue are the
 * service's own, so two apps started side by side would take each other's events and jobs.
 */
const config = loadConfig();
const smtp = new SmtpSink();
const receiver = new WebhookReceiver();
const publisher = new EventPublisher();
let app: INestApplication;
let url: string;
let dataSource: DataSource;

/** An HTTP call with a bearer token; the JSON body as it came. */
async function call(
  method: string,
  url: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function startApp(): Promise<void> {
  ({ app, url } = await startNotification({
    SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
    NOTIFICATION_RETRY_BASE_MS: '200',
    NOTIFICATION_EMAIL_ATTEMPTS: '8',
    // Webhooks: 200 ms, then 400 ms: three attempts fit in one second.
    WEBHOOK_RETRY_WINDOW_SECONDS: '1',
  }));
  dataSource = app.get(DataSource);
}

beforeAll(async () => {
  await smtp.start();
  await receiver.start();
  await publisher.connect();
  await startApp();
});

afterAll(async () => {
  await app?.close();
  await publisher.disconnect();
  await receiver.stop();
  await smtp.stop();
});

describe('notification emails over real SMTP (real PostgreSQL, Redis, Kafka)', () => {
  /** A customer of its own per test: its recipient known to notification before anything else. */
  async function newCustomer(): Promise<{ customerId: string; email: string; token: string }> {
    const customerId = `mail-${randomUUID().slice(0, 8)}`;
    const email = `ap-${customerId}@example.com`;
    await publisher.publish({
      type: 'customer.created',
      customerId,
      data: {
        customerId,
        name: 'Corporate Account For Cloud Ser',
        email,
        billingDelivery: 'email',
        accounts: [
          { accountNumber: '3418205', siteName: 'Ashley Palacol', city: 'HERND' },
          { accountNumber: '3992460', siteName: 'Billy Fisher LITTLE RIVER', city: 'LITTLE' },
        ],
      },
    });
    await waitFor(
      async () => {
        const rows = await dataSource.query(`SELECT 1 FROM notification.recipients WHERE customer_id = $1`, [
          customerId,
        ]);
        return rows.length > 0 ? true : undefined;
      },
      { ...POLL, what: 'the recipient' },
    );
    const token = signToken(
      { sub: `user-${customerId}`, role: 'customer', customers: [customerId] },
      config.authJwtSecret,
    );
    return { customerId, email, token };
  }

  function mailsTo(email: string, count: number, what: string): Promise<ReceivedMail[]> {
    return waitFor(() => (smtp.to(email).length >= count ? smtp.to(email) : undefined), { ...POLL, what });
  }

  async function notifications(customerId: string, token: string): Promise<any[]> {
    const response = await call('GET', `${url}/v1/customers/${customerId}/notifications`, token);
    expect(response.status).toBe(200);
    return response.body;
  }

  function submitted(customerId: string, paymentId = randomUUID()) {
    return createCloudEvent({
      type: 'payment.submitted',
      source: 'remit/payment-intake',
      customerId,
      data: {
        paymentId,
        customerId,
        amountCents: 34618,
        currency: 'USD',
        method: {
          type: 'ach',
          last4: FULL_ACCOUNT_NUMBER.slice(-4),
          bankAccount: {
            routingNumber: '021000021',
            accountNumberCiphertext: 'c2VhbGVkLWNpcGhlcnRleHQ',
            keyId: 'dev-1',
          },
        },
        invoices: [{ invoiceId: randomUUID() }],
        submittedAt: '2026-11-23T15:00:00Z',
        businessDate: '2026-11-23',
      },
    });
  }

  it('sends each template over SMTP with its subject and content, and logs it sent', async () => {
    const { customerId, email, token } = await newCustomer();
    const paymentId = randomUUID();
    const feeId = randomUUID();
    const invoiceId = randomUUID();
    const events: CloudEvent[] = [
      submitted(customerId, paymentId),
      createCloudEvent({
        type: 'payment.scheduled',
        source: 'remit/settlement',
        customerId,
        data: {
          paymentId: randomUUID(),
          customerId,
          amountCents: 120000,
          method: { type: 'check' },
          expectedPostingDate: '2026-11-30',
          status: 'awaiting_funds',
        },
      }),
      createCloudEvent({
        type: 'payment.scheduled',
        source: 'remit/settlement',
        customerId,
        data: {
          paymentId: randomUUID(),
          customerId,
          amountCents: 250000,
          method: { type: 'wire' },
          expectedPostingDate: '2026-11-25',
          status: 'awaiting_funds',
        },
      }),
      createCloudEvent({
        type: 'payment.applied',
        source: 'remit/invoice',
        customerId,
        data: {
          paymentId,
          customerId,
          customerName: 'Corporate Account For Cloud Ser',
          customerEmail: email,
          amountCents: 34618,
          applications: [{ invoiceId, invoiceNumber: 'INV-1001', amountCents: 34000 }],
          creditCents: 618,
          postingDate: '2026-11-25',
        },
      }),
      createCloudEvent({
        type: 'payment.returned',
        source: 'remit/settlement',
        customerId,
        data: {
          paymentId,
          customerId,
          amountCents: 34618,
          method: { type: 'ach', last4: '6789' },
          returnCode: 'R01',
          returnDescription: 'Insufficient funds',
          returnClass: 're-presentable',
          returnedAt: '2026-11-27T15:00:00Z',
          businessDate: '2026-11-27',
        },
      }),
      createCloudEvent({
        type: 'fee.charged',
        source: 'remit/invoice',
        customerId,
        data: {
          feeId,
          customerId,
          kind: 'return',
          amountCents: 2500,
          invoiceId,
          invoiceNumber: 'INV-1001',
          paymentId,
          returnCode: 'R01',
        },
      }),
      createCloudEvent({
        type: 'fee.waived',
        source: 'remit/invoice',
        customerId,
        data: {
          feeId,
          customerId,
          kind: 'return',
          amountCents: 2500,
          reason: 'bank error',
          waivedBy: 'ops-1',
        },
      }),
      createCloudEvent({
        type: 'autopay.upcoming',
        source: 'remit/payment-intake',
        customerId,
        data: {
          customerId,
          paymentMethodId: 'pm-1',
          last4: '6789',
          runDate: '2026-12-01',
          amountCents: 34618,
          invoices: [{ invoiceId, invoiceNumber: 'INV-1002', amountCents: 34618 }],
        },
      }),
      createCloudEvent({
        type: 'autopay.failed',
        source: 'remit/payment-intake',
        customerId,
        data: {
          customerId,
          runDate: '2026-12-01',
          code: 'METHOD_DISABLED',
          reason: 'the saved account is disabled',
        },
      }),
      createCloudEvent({
        type: 'payment-method.disabled',
        source: 'remit/payment-intake',
        customerId,
        data: {
          paymentMethodId: 'pm-1',
          customerId,
          last4: '6789',
          reason: 'account closed',
          returnCode: 'R02',
          disabledAt: '2026-11-27T15:00:00Z',
        },
      }),
      createCloudEvent({
        type: 'payment.failed',
        source: 'remit/settlement',
        customerId,
        data: {
          paymentId: randomUUID(),
          customerId,
          amountCents: 5000,
          method: { type: 'card', last4: '4242' },
          code: 'CARD_DECLINED',
          reason: 'the card was declined',
          failedAt: '2026-11-23T15:00:00Z',
        },
      }),
    ];
    // No email for these: a plain scheduled payment, and a posting (the receipt follows its application).
    const silent: CloudEvent[] = [
      createCloudEvent({
        type: 'payment.scheduled',
        source: 'remit/settlement',
        customerId,
        data: {
          paymentId,
          customerId,
          amountCents: 34618,
          method: { type: 'ach', last4: '6789' },
          expectedPostingDate: '2026-11-25',
        },
      }),
      createCloudEvent({
        type: 'payment.posted',
        source: 'remit/settlement',
        customerId,
        data: {
          paymentId,
          customerId,
          amountCents: 34618,
          currency: 'USD',
          method: { type: 'ach', last4: '6789' },
          invoices: [{ invoiceId, amountCents: 34618 }],
          postingDate: '2026-11-25',
          postedAt: '2026-11-25T05:00:00Z',
        },
      }),
    ];
    for (const event of [...silent, ...events]) await publisher.send(event);

    const mails = await mailsTo(email, events.length, 'one email per template');
    const bySubject = new Map(mails.map((mail) => [mail.subject, mail]));
    const expectations: [subject: string, ...content: string[]][] = [
      [
        'We received your payment of $346.18',
        'bank account ending 6789',
        'Please allow up to 2 business days for payments to be reflected in your account (expected 2026-11-25)',
      ],
      [
        'Check payment of $1,200.00 awaited',
        'Mail the check to: Fusion, P. O. Box 411470, Boston, MA 02241-1289',
      ],
      ['Wire transfer of $2,500.00 awaited', 'Wire instructions: Beneficiary: Fusion'],
      [
        'Payment received: $346.18',
        'Invoice INV-1001: $340.00',
        'Credit to your account: $6.18',
        'posted on 2026-11-25',
      ],
      ['Payment returned: $346.18', 'R01: Insufficient funds', 'Return Fee of $25.00'],
      ['Return Fee charged: $25.00', 'invoice INV-1001'],
      ['Return Fee waived: $25.00', 'bank error'],
      ['Autopay of $346.18 on 2026-12-01', 'Invoice INV-1002: $346.18', 'bank account ending 6789'],
      ['Autopay on 2026-12-01 did not go through', 'the saved account is disabled'],
      ['Bank account ending 6789 disabled', 'account closed (R02)'],
      ['Payment of $50.00 failed', 'card ending 4242 could not be made: the card was declined'],
    ];
    expect([...bySubject.keys()].sort()).toEqual(expectations.map(([subject]) => subject).sort());
    for (const [subject, ...content] of expectations) {
      const mail = bySubject.get(subject)!;
      expect(mail.from).toContain('billing@remit.example');
      expect(mail.text).toContain('Dear Corporate Account For Cloud Ser,');
      expect(mail.text).toContain('Ashley Palacol (HERND)');
      for (const piece of content) {
        expect(mail.text).toContain(piece);
        expect(mail.html).toContain(piece.replace(/&/g, '&amp;'));
      }
      // Never a full bank account number, nor the ciphertext that carries it to settlement.
      expect(mail.raw).not.toContain(FULL_ACCOUNT_NUMBER);
      expect(mail.raw).not.toContain('c2VhbGVkLWNpcGhlcnRleHQ');
    }

    const log = await waitFor(
      async () => {
        const list = await notifications(customerId, token);
        return list.length === events.length && list.every((entry) => entry.status === 'sent')
          ? list
          : undefined;
      },
      { ...POLL, what: 'every notification logged as sent' },
    );
    for (const entry of log) {
      expect(entry).toMatchObject({ channel: 'email', to: email, status: 'sent', attempts: 1 });
      expect(entry.sentAt).toEqual(expect.any(String));
      expect(bySubject.has(entry.subject)).toBe(true);
    }
    // Each send is announced once on notification.events.v1, through the outbox.
    const announced = await dataSource.query(
      `SELECT payload->'data'->>'notificationId' AS id FROM notification.outbox_events
        WHERE event_type = 'notification.sent' AND payload->>'customerid' = $1`,
      [customerId],
    );
    expect(announced.map((row: { id: string }) => row.id).sort()).toEqual(
      log.map((entry) => entry.notificationId).sort(),
    );
    // The log is the customer's own.
    const stranger = signToken(
      { sub: 'x', role: 'customer', customers: ['someone-else'] },
      config.authJwtSecret,
    );
    expect((await call('GET', `${url}/v1/customers/${customerId}/notifications`, stranger)).status).toBe(403);
  });

  it('writes to the address of the newest customer event, whatever order they arrive in', async () => {
    const { customerId, token } = await newCustomer();
    const customer = (email: string, time: string) =>
      createCloudEvent({
        type: 'customer.updated',
        source: 'remit/invoice',
        customerId,
        time: new Date(time),
        data: { customerId, name: 'Renamed Corp', email, billingDelivery: 'email', accounts: [] },
      });
    const newest = `new-${customerId}@example.com`;
    await publisher.send(customer(newest, '2099-01-02T00:00:00Z'));
    await publisher.send(customer(`stale-${customerId}@example.com`, '2099-01-01T00:00:00Z'));
    // Same topic and key as the customer events, so consumed after them.
    await publisher.send(
      createCloudEvent({
        type: 'fee.waived',
        source: 'remit/invoice',
        customerId,
        data: {
          feeId: randomUUID(),
          customerId,
          kind: 'paper',
          amountCents: 1000,
          reason: 'goodwill',
          waivedBy: 'ops',
        },
      }),
    );
    const [mail] = await mailsTo(newest, 1, 'the email to the newest address');
    expect(mail.text).toContain('Dear Renamed Corp,');
    expect(smtp.to(`stale-${customerId}`)).toHaveLength(0);
    const [entry] = await notifications(customerId, token);
    expect(entry).toMatchObject({ type: 'fee.waived', to: newest });
  });

  it('sends one email for an event delivered twice', async () => {
    const { customerId, email, token } = await newCustomer();
    const event = submitted(customerId);
    await publisher.send(event);
    await publisher.send(event);
    await mailsTo(email, 1, 'the email');
    // A redelivery after the email went out changes nothing either.
    await publisher.send(event);
    // Events of one customer stay in order on their partition: once a later event's email has
    // arrived, every copy of the earlier one has been consumed.
    const marker = await publisher.send(submitted(customerId));
    await mailsTo(email, 2, 'the marker email');
    const mails = smtp.to(email);
    expect(mails).toHaveLength(2);
    const log = await notifications(customerId, token);
    expect(log.map((entry) => entry.eventId).sort()).toEqual([event.id, marker.id].sort());
  });

  it('sends an email recorded before its customer was known once the customer arrives', async () => {
    const customerId = `late-${randomUUID().slice(0, 8)}`;
    const email = `ap-${customerId}@example.com`;
    const token = signToken({ sub: 'u', role: 'customer', customers: [customerId] }, config.authJwtSecret);
    const event = await publisher.send(submitted(customerId));
    await waitFor(
      async () => {
        const [entry] = await notifications(customerId, token);
        return entry?.status === 'failed' ? entry : undefined;
      },
      { ...POLL, what: 'an attempt without an address' },
    );
    await publisher.publish({
      type: 'customer.created',
      customerId,
      data: { customerId, name: 'Late Corp', email, billingDelivery: 'email', accounts: [] },
    });
    const [mail] = await mailsTo(email, 1, 'the email once the address is known');
    expect(mail.subject).toBe('We received your payment of $346.18');
    expect(mail.text).toContain('Hello,');
    const [entry] = await waitFor(
      async () => {
        const list = await notifications(customerId, token);
        return list[0]?.status === 'sent' ? list : undefined;
      },
      { ...POLL, what: 'the notification marked sent' },
    );
    expect(entry).toMatchObject({ eventId: event.id, to: email, status: 'sent' });
  });

  it('delivers once after SMTP was down, counting the failed attempts', async () => {
    const { customerId, email, token } = await newCustomer();
    await smtp.stop();
    try {
      await publisher.send(submitted(customerId));
      await waitFor(
        async () => {
          const [entry] = await notifications(customerId, token);
          return entry?.status === 'failed' && entry.attempts >= 2 ? entry : undefined;
        },
        { ...POLL, what: 'failed attempts while SMTP is down' },
      );
    } finally {
      await smtp.start();
    }
    const [mail] = await mailsTo(email, 1, 'the email once SMTP is back');
    const entry = await waitFor(
      async () => {
        const [logged] = await notifications(customerId, token);
        return logged?.status === 'sent' ? logged : undefined;
      },
      { ...POLL, what: 'the notification marked sent' },
    );
    expect(entry.attempts).toBeGreaterThanOrEqual(3);
    expect(mail.messageId).toBe(`<${entry.notificationId}@notification.remit>`);
    // Sent is final: nothing else goes out for it.
    await publisher.send(submitted(customerId));
    await mailsTo(email, 2, 'a later email');
    expect(smtp.to(email).filter((received) => received.messageId === mail.messageId)).toHaveLength(1);
  });

  it('sends consecutive emails over one pooled SMTP connection', async () => {
    const { customerId, email } = await newCustomer();
    const before = smtp.connections;
    for (let count = 1; count <= 3; count += 1) {
      await publisher.send(submitted(customerId));
      await mailsTo(email, count, `email ${count}`);
    }
    // Without the pool each email opens a connection of its own; one may be open from earlier tests.
    expect(smtp.connections - before).toBeLessThanOrEqual(1);
  });

  it('sends on a new connection, in one attempt, once the server dropped the pooled one', async () => {
    const { customerId, email, token } = await newCustomer();
    await publisher.send(submitted(customerId));
    await mailsTo(email, 1, 'the first email');
    // A server restart drops the connection the pool keeps open.
    await smtp.stop();
    await smtp.start();
    const before = smtp.connections;
    const second = submitted(customerId);
    await publisher.send(second);
    const mails = await mailsTo(email, 2, 'the email after the restart');
    const entry = await waitFor(
      async () => {
        const logged = (await notifications(customerId, token)).find((row) => row.eventId === second.id);
        return logged?.status === 'sent' ? logged : undefined;
      },
      { ...POLL, what: 'the second notification marked sent' },
    );
    expect(entry.attempts).toBe(1);
    expect(smtp.connections).toBeGreaterThan(before);
    expect(
      mails.filter((mail) => mail.messageId === `<${entry.notificationId}@notification.remit>`),
    ).toHaveLength(1);
  });

  it('records the email and one webhook per subscribed endpoint of an event, each sent and announced once', async () => {
    const { customerId, email, token } = await newCustomer();
    const endpoint = async (path: string, events: string[]): Promise<string> => {
      const created = await call('POST', `${url}/v1/webhook-endpoints`, token, {
        customerId,
        url: `${receiver.url}/${path}/${customerId}`,
        events,
      });
      expect(created.status).toBe(201);
      return created.body.endpointId;
    };
    const first = await endpoint('ok', ['payment.submitted']);
    const second = await endpoint('ok-too', ['payment.posted', 'payment.submitted']);
    await endpoint('ok-other', ['payment.posted']);
    const event = submitted(customerId);
    await publisher.send(event);
    await mailsTo(email, 1, 'the email');
    const rows = await waitFor(
      async () => {
        const logged: { channel: string; recipient: string; status: string }[] = await dataSource.query(
          `SELECT channel, recipient, status FROM notification.notifications WHERE event_id = $1`,
          [event.id],
        );
        return logged.length === 3 && logged.every((row) => row.status === 'sent') ? logged : undefined;
      },
      { ...POLL, what: 'the email and the two webhooks sent' },
    );
    expect(rows.map((row) => `${row.channel} ${row.recipient}`).sort()).toEqual(
      [`email ${email}`, `webhook ${first}`, `webhook ${second}`].sort(),
    );
    // The same event again records and sends nothing more.
    await publisher.send(event);
    await publisher.send(submitted(customerId));
    await mailsTo(email, 2, 'a later email');
    await waitFor(() => (receiver.at(`/ok-too/${customerId}`).length >= 2 ? true : undefined), {
      ...POLL,
      what: 'the later webhook',
    });
    expect(receiver.at(`/ok/${customerId}`).filter((hook) => hook.body.includes(event.id))).toHaveLength(1);
    expect(receiver.at(`/ok-too/${customerId}`).filter((hook) => hook.body.includes(event.id))).toHaveLength(
      1,
    );
    expect(receiver.at(`/ok-other/${customerId}`)).toHaveLength(0);
    const [announced] = await dataSource.query(
      `SELECT count(*)::int AS count FROM notification.outbox_events
        WHERE event_type = 'notification.sent' AND payload -> 'data' ->> 'sourceEventId' = $1`,
      [event.id],
    );
    expect(announced.count).toBe(3);
  });
});

describe('notification delivery across restarts and lost jobs', () => {
  /** A customer whose recipient notification knows, with a token of its own. */
  async function knownCustomer(
    prefix: string,
    name: string,
  ): Promise<{ customerId: string; email: string; token: string }> {
    const customerId = `${prefix}-${randomUUID().slice(0, 8)}`;
    const email = `ap-${customerId}@example.com`;
    const token = signToken({ sub: 'u', role: 'customer', customers: [customerId] }, config.authJwtSecret);
    await publisher.publish({
      type: 'customer.created',
      customerId,
      data: { customerId, name, email, billingDelivery: 'email', accounts: [] },
    });
    await waitFor(
      async () => {
        const rows = await dataSource.query(`SELECT 1 FROM notification.recipients WHERE customer_id = $1`, [
          customerId,
        ]);
        return rows.length > 0 ? true : undefined;
      },
      { ...POLL, what: 'the recipient' },
    );
    return { customerId, email, token };
  }

  /** An event whose one email goes to the customer. */
  function publishAutopayFailed(customerId: string): Promise<unknown> {
    return publisher.publish({
      type: 'autopay.failed',
      customerId,
      data: { customerId, runDate: '2026-12-01', code: 'NO_METHOD', reason: 'no saved payment method' },
    });
  }

  async function customerWithFailedEmail(): Promise<{
    customerId: string;
    email: string;
    token: string;
    notificationId: string;
  }> {
    const { customerId, email, token } = await knownCustomer('restart', 'Restart Corp');
    await smtp.stop();
    await publishAutopayFailed(customerId);
    const entry = await waitFor(
      async () => {
        const response = await call('GET', `${url}/v1/customers/${customerId}/notifications`, token);
        const [logged] = response.body as any[];
        return logged?.status === 'failed' ? logged : undefined;
      },
      { ...POLL, what: 'a failed attempt while SMTP is down' },
    );
    return { customerId, email, token, notificationId: entry.notificationId };
  }

  async function sentOnce(email: string, notificationId: string): Promise<void> {
    const [mail] = await waitFor(() => (smtp.to(email).length > 0 ? smtp.to(email) : undefined), {
      ...POLL,
      what: 'the email',
    });
    expect(mail.messageId).toBe(`<${notificationId}@notification.remit>`);
    await waitFor(
      async () => {
        const [row] = await dataSource.query(
          `SELECT status FROM notification.notifications WHERE notification_id = $1`,
          [notificationId],
        );
        return row?.status === 'sent' ? true : undefined;
      },
      { ...POLL, what: 'the notification marked sent' },
    );
    expect(smtp.to(email)).toHaveLength(1);
  }

  it('sends a notification left failing by a stopped service once the service is back', async () => {
    const { email, notificationId } = await customerWithFailedEmail();
    await app.close();
    await smtp.start();
    await startApp();
    await sentOnce(email, notificationId);
  });

  it('lets only one of two deliveries of the same notification running at once send it', async () => {
    const notificationId = randomUUID();
    const email = `ap-twice-${notificationId.slice(0, 8)}@example.com`;
    await dataSource.query(
      `INSERT INTO notification.notifications
         (notification_id, event_id, customer_id, type, channel, recipient, subject, body, status)
       VALUES ($1, $2, 'twice', 'payment.received', 'email', $3, 'Twice?', 'Once.', 'pending')`,
      [notificationId, randomUUID(), email],
    );
    const deliveries = app.get(DeliverNotificationService);
    const outcomes = await Promise.all([
      deliveries.deliver(notificationId),
      deliveries.deliver(notificationId),
    ]);
    expect(outcomes.sort()).toEqual(['sent', 'skipped']);
    expect(await deliveries.deliver(notificationId)).toBe('skipped');
    await waitFor(() => (smtp.to(email).length > 0 ? true : undefined), { ...POLL, what: 'the email' });
    expect(smtp.to(email)).toHaveLength(1);
  });

  it('makes the first attempt in the process, with no delivery job', async () => {
    const { customerId, email } = await knownCustomer('first', 'First Try Corp');
    await publishAutopayFailed(customerId);
    const [row] = await waitFor(
      async () => {
        const rows = await dataSource.query(
          `SELECT notification_id AS "notificationId", attempts FROM notification.notifications
            WHERE customer_id = $1 AND status = 'sent'`,
          [customerId],
        );
        return rows.length > 0 ? rows : undefined;
      },
      { ...POLL, what: 'the notification sent' },
    );
    await sentOnce(email, row.notificationId);
    expect(row.attempts).toBe(1);
    // A job would be kept once completed (removeOnComplete keeps the last thousand).
    const queue = app.get<Queue>(getQueueToken(DELIVERY_QUEUE));
    expect(await queue.getJob(row.notificationId)).toBeUndefined();
  });

  it('retries a failed first attempt through a delivery job, on the backoff schedule of a job from the start', async () => {
    const { email, notificationId } = await customerWithFailedEmail();
    const queue = app.get<Queue>(getQueueToken(DELIVERY_QUEUE));
    const job = await waitFor(async () => (await queue.getJob(notificationId)) ?? undefined, {
      ...POLL,
      what: 'the retry job',
    });
    // NOTIFICATION_EMAIL_ATTEMPTS 8, base 200 ms: attempt 2 after 200 ms, then 400, 800… by the
    // job's own backoff, seven attempts left.
    expect(job.opts).toMatchObject({ attempts: 7, delay: 200, backoff: { type: 'exponential', delay: 400 } });
    await smtp.start();
    await sentOnce(email, notificationId);
  });

  it('queues again, from PostgreSQL, a notification whose job Redis lost', async () => {
    const { email, notificationId } = await customerWithFailedEmail();
    const queue = app.get<Queue>(getQueueToken(DELIVERY_QUEUE));
    // Between attempts the job waits out its backoff; removed then, nothing would ever send it.
    await waitFor(
      async () => {
        // The retry job is added just after the failed attempt is recorded: wait for it.
        const job = await queue.getJob(notificationId);
        if (!job) return undefined;
        return job.remove().then(
          () => true,
          () => undefined,
        );
      },
      { ...POLL, what: 'the job removed' },
    );
    await smtp.start();
    const { requeued } = await app.get(DeliveryProcessor).sweep(0);
    expect(requeued).toBeGreaterThanOrEqual(1);
    await sentOnce(email, notificationId);
  });
});

describe('notification webhooks (real PostgreSQL, Redis, Kafka, a local HTTP receiver)', () => {
  const opsToken = signToken({ sub: 'ops-1', role: 'ops', customers: [] }, config.authJwtSecret);
  function customer(): { customerId: string; token: string } {
    const customerId = `hook-${randomUUID().slice(0, 8)}`;
    return {
      customerId,
      token: signToken(
        { sub: `user-${customerId}`, role: 'customer', customers: [customerId] },
        config.authJwtSecret,
      ),
    };
  }

  function posted(customerId: string) {
    return createCloudEvent({
      type: 'payment.posted',
      source: 'remit/settlement',
      customerId,
      data: {
        paymentId: randomUUID(),
        customerId,
        amountCents: 34618,
        currency: 'USD',
        method: { type: 'ach', last4: '6789' },
        invoices: [{ invoiceId: randomUUID(), amountCents: 34618 }],
        postingDate: '2026-11-25',
        postedAt: '2026-11-25T05:00:00Z',
      },
    });
  }

  async function deliveries(endpointId: string, token: string): Promise<any[]> {
    const response = await call('GET', `${url}/v1/webhook-endpoints/${endpointId}/deliveries`, token);
    expect(response.status).toBe(200);
    return response.body;
  }

  it('delivers a signed event that the receiver verifies with the secret shown once', async () => {
    const { customerId, token } = customer();
    const created = await call('POST', `${url}/v1/webhook-endpoints`, token, {
      customerId,
      url: `${receiver.url}/ok/${customerId}`,
      events: ['payment.posted', 'payment.returned'],
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      endpointId: expect.any(String),
      secret: expect.stringMatching(/^whsec_/),
    });
    const { endpointId, secret } = created.body as { endpointId: string; secret: string };
    // The secret is kept only as ciphertext.
    const [stored] = await dataSource.query(
      `SELECT secret_ciphertext FROM notification.webhook_endpoints WHERE endpoint_id = $1`,
      [endpointId],
    );
    expect(stored.secret_ciphertext).not.toContain(secret.slice(6));

    const event = await publisher.send(posted(customerId));
    const [delivery] = await waitFor(
      () => (receiver.at(`/ok/${customerId}`).length > 0 ? receiver.at(`/ok/${customerId}`) : undefined),
      { ...POLL, what: 'the delivery' },
    );
    const signature = String(delivery.headers['remit-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(signature, delivery.body, secret, Math.floor(Date.now() / 1000))).toBe(
      true,
    );
    expect(
      verifyWebhookSignature(signature, delivery.body, 'whsec_other', Math.floor(Date.now() / 1000)),
    ).toBe(false);
    const body = JSON.parse(delivery.body);
    expect(body).toMatchObject({
      eventId: event.id,
      type: 'payment.posted',
      customerId,
      data: { amountCents: 34618 },
    });

    const [logged] = await waitFor(
      async () => {
        const list = await deliveries(endpointId, token);
        return list[0]?.status === 'sent' ? list : undefined;
      },
      { ...POLL, what: 'the delivery logged as sent' },
    );
    expect(logged).toMatchObject({
      deliveryId: body.id,
      eventId: event.id,
      status: 'sent',
      attempts: 1,
      lastError: null,
    });
    // An event type the endpoint did not subscribe to is not delivered to it; the same event again is not either.
    await publisher.send(event);
    const fee = createCloudEvent({
      type: 'fee.waived',
      source: 'remit/invoice',
      customerId,
      data: {
        feeId: randomUUID(),
        customerId,
        kind: 'paper',
        amountCents: 1000,
        reason: 'goodwill',
        waivedBy: 'ops-1',
      },
    });
    await publisher.send(fee);
    const marker = await publisher.send(posted(customerId));
    await waitFor(() => (receiver.at(`/ok/${customerId}`).length >= 2 ? true : undefined), {
      ...POLL,
      what: 'the marker',
    });
    const log = await deliveries(endpointId, token);
    expect(log.map((entry) => entry.eventId).sort()).toEqual([event.id, marker.id].sort());
    expect(
      receiver
        .at(`/ok/${customerId}`)
        .map((received) => JSON.parse(received.body).eventId)
        .sort(),
    ).toEqual([event.id, marker.id].sort());
  });

  it('retries a failing endpoint with backoff, then marks the delivery dead and lists it', async () => {
    const { customerId, token } = customer();
    const created = await call('POST', `${url}/v1/webhook-endpoints`, opsToken, {
      customerId,
      url: `${receiver.url}/fail/${customerId}`,
      events: ['payment.posted'],
    });
    expect(created.status).toBe(201);
    const event = await publisher.send(posted(customerId));
    const [dead] = await waitFor(
      async () => {
        const list = await deliveries(created.body.endpointId, token);
        return list[0]?.status === 'dead' ? list : undefined;
      },
      { ...POLL, what: 'the delivery to be dead' },
    );
    // GET /health shows what was given up.
    const health = await call('GET', `${url}/health`, opsToken);
    expect(health.body.details.deliveries).toEqual({
      pending: expect.any(Number),
      failed: expect.any(Number),
      deadLastDay: expect.any(Number),
      oldestWaitingAgeSeconds: expect.any(Number),
      firstAttemptsWaiting: expect.any(Number),
      firstAttemptsRunning: expect.any(Number),
    });
    expect(health.body.details.deliveries.deadLastDay).toBeGreaterThan(0);
    expect(dead).toMatchObject({
      eventId: event.id,
      status: 'dead',
      attempts: 3,
      lastError: 'endpoint answered HTTP 500',
    });
    expect(receiver.at(`/fail/${customerId}`)).toHaveLength(3);
    // Every attempt carried the same delivery id, so a receiver can tell a retry from a new event.
    expect(
      new Set(receiver.at(`/fail/${customerId}`).map((received) => received.headers['remit-delivery-id'])),
    ).toEqual(new Set([dead.deliveryId]));
  });

  it('counts an endpoint that does not answer as a failed attempt', async () => {
    const { customerId, token } = customer();
    const closed = new WebhookReceiver();
    const closedUrl = await closed.start();
    await closed.stop();
    const created = await call('POST', `${url}/v1/webhook-endpoints`, token, {
      customerId,
      url: `${closedUrl}/gone`,
      events: ['payment.posted'],
    });
    await publisher.send(posted(customerId));
    const [dead] = await waitFor(
      async () => {
        const list = await deliveries(created.body.endpointId, token);
        return list[0]?.status === 'dead' ? list : undefined;
      },
      { ...POLL, what: 'the delivery to be dead' },
    );
    expect(dead).toMatchObject({
      attempts: 3,
      lastError: expect.stringMatching(/^endpoint unreachable: .*ECONNREFUSED/),
    });
  });

  it("lists a customer's endpoints without their secrets and deletes one", async () => {
    const { customerId, token } = customer();
    const stranger = signToken(
      { sub: 'x', role: 'customer', customers: ['someone-else'] },
      config.authJwtSecret,
    );
    const created = await call('POST', `${url}/v1/webhook-endpoints`, token, {
      customerId,
      url: `${receiver.url}/listed/${customerId}`,
      events: ['payment.posted', 'payment.posted'],
    });
    expect(created.status).toBe(201);
    const listed = await call('GET', `${url}/v1/webhook-endpoints?customerId=${customerId}`, token);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([
      {
        endpointId: created.body.endpointId,
        customerId,
        url: `${receiver.url}/listed/${customerId}`,
        events: ['payment.posted'],
        createdAt: expect.any(String),
      },
    ]);
    expect(JSON.stringify(listed.body)).not.toContain(created.body.secret);
    expect((await call('GET', `${url}/v1/webhook-endpoints?customerId=${customerId}`, stranger)).status).toBe(
      403,
    );
    expect((await call('GET', `${url}/v1/webhook-endpoints`, token)).status).toBe(400);
    const endpoint = `${url}/v1/webhook-endpoints/${created.body.endpointId}`;
    expect((await call('DELETE', endpoint, stranger)).status).toBe(403);
    expect((await call('DELETE', endpoint, token)).status).toBe(204);
    expect((await call('GET', `${url}/v1/webhook-endpoints?customerId=${customerId}`, token)).body).toEqual(
      [],
    );
    expect((await call('GET', `${endpoint}/deliveries`, token)).status).toBe(404);
    expect((await call('DELETE', endpoint, token)).status).toBe(404);
  });

  it('refuses what the contract refuses', async () => {
    const { customerId, token } = customer();
    const create = (body: unknown, as = token) => call('POST', `${url}/v1/webhook-endpoints`, as, body);
    const ftp = await create({ customerId, url: 'ftp://hooks.example.com/x', events: ['payment.posted'] });
    expect(ftp.status).toBe(400);
    expect(ftp.body.error.details).toEqual([expect.objectContaining({ field: 'url' })]);
    expect(
      (await create({ customerId, url: `${receiver.url}/x`, events: ['customer.created'] })).status,
    ).toBe(400);
    expect((await create({ customerId, url: `${receiver.url}/x`, events: [] })).status).toBe(400);
    expect(
      (await create({ customerId: 'someone-else', url: `${receiver.url}/x`, events: ['payment.posted'] }))
        .status,
    ).toBe(403);
    const created = await create(
      { customerId, url: `${receiver.url}/x`, events: ['payment.posted'] },
      opsToken,
    );
    const stranger = signToken(
      { sub: 'x', role: 'customer', customers: ['someone-else'] },
      config.authJwtSecret,
    );
    expect(
      (await call('GET', `${url}/v1/webhook-endpoints/${created.body.endpointId}/deliveries`, stranger))
        .status,
    ).toBe(403);
    expect(
      (await call('GET', `${url}/v1/webhook-endpoints/${randomUUID()}/deliveries`, opsToken)).status,
    ).toBe(404);
    expect((await call('GET', `${url}/v1/webhook-endpoints/not-a-uuid/deliveries`, opsToken)).status).toBe(
      404,
    );
  });
});
