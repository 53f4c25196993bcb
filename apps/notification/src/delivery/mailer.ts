import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { DELIVERY_CONCURRENCY } from './delivery-queue';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** The notification id: a stable Message-ID, so that a mail server or client can drop a copy. */
  notificationId: string;
}

/**
 * The SMTP connections kept open: as many as deliveries run at once — first attempts in the process
 * (DeliveryDispatcher) and retries (DeliveryProcessor), `DELIVERY_CONCURRENCY` each — so that a
 * delivery, which holds its row's lease, never waits for another one's connection.
 */
export const SMTP_POOL_CONNECTIONS = 2 * DELIVERY_CONCURRENCY;
/** Mails over one connection before it is replaced: bounds what one long-lived session can go wrong on. */
export const SMTP_POOL_MESSAGES_PER_CONNECTION = 100;
/**
 * An idle pooled connection is closed by us after this long, well before a server's own idle
 * timeout (smtp-server's is 60 s, RFC 5321 asks servers for at least 5 minutes), so that a mail is
 * seldom handed to a connection the server is closing at that very moment.
 */
export const SMTP_POOL_IDLE_MS = 30_000;

/**
 * Sends email through SMTP_URL; a small injectable so that delivery is tested against a real SMTP server.
 *
 * Connections are pooled (nodemailer `pool`): a new TCP connection and SMTP greeting per email were
 * most of notification's SMTP cost (docs/performance.md). A pooled connection that the server closed
 * is dropped from the pool and the next mail opens a new one. A mail whose connection closes while
 * it is being handed over is tried once more on a new connection (`maxRequeues` 1, so that one send
 * stays well inside the delivery lease); any other failure fails the attempt, which the delivery job
 * retries with its backoff. A copy the server did accept carries the same Message-ID either way.
 */
@Injectable()
export class Mailer implements OnApplicationShutdown {
  private readonly transport: Transporter;

  constructor(@Inject(REMIT_CONFIG) private readonly config: RemitConfig) {
    this.transport = nodemailer.createTransport({
      url: config.smtpUrl,
      pool: true,
      maxConnections: SMTP_POOL_CONNECTIONS,
      maxMessages: SMTP_POOL_MESSAGES_PER_CONNECTION,
      maxRequeues: 1,
      idleTimeout: SMTP_POOL_IDLE_MS,
      // Fail an attempt within seconds (the job retries it) rather than hold a worker for minutes.
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
    });
  }

  async send(email: OutgoingEmail): Promise<void> {
    await this.transport.sendMail({
      from: this.config.notification.emailFrom,
      to: email.to,
      subject: email.subject,
      text: email.text,
      ...(email.html ? { html: email.html } : {}),
      messageId: `<${email.notificationId}@notification.remit>`,
    });
  }

  /** Closes the pool: idle connections at once, a connection handing over a mail once it is done. */
  onApplicationShutdown(): void {
    this.transport.close();
  }
}
