import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import nodemailer, { type Transporter } from 'nodemailer';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';

export interface OutgoingEmail {
  to: string;
  subject: string;
  text: string;
  html: string | null;
  /** The notification id: a stable Message-ID, so that a mail server or client can drop a copy. */
  notificationId: string;
}

/** Sends email through SMTP_URL; a small injectable so that delivery is tested against a real SMTP server. */
@Injectable()
export class Mailer implements OnApplicationShutdown {
  private readonly transport: Transporter;

  constructor(@Inject(REMIT_CONFIG) private readonly config: RemitConfig) {
    this.transport = nodemailer.createTransport({
      url: config.smtpUrl,
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

  onApplicationShutdown(): void {
    this.transport.close();
  }
}
