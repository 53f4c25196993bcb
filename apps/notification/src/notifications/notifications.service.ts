import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AnyCloudEvent } from '@remit/contracts';
import { defaultFeePolicy } from '@remit/fees';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { DeliveryQueue } from '../delivery/delivery-queue.service';
import { RecipientsService } from '../recipients/recipients.service';
import { emailFor, wireInstructionsText, type TemplateContext } from '../templates/email-templates';
import { webhookBody } from '../webhooks/webhook-events';
import { WebhookEndpointsService } from '../webhooks/webhook-endpoints.service';
import {
  NotificationEntity,
  RECIPIENT_NOT_YET_KNOWN,
  type NotificationChannel,
  type NotificationStatus,
} from './notification.entity';

export interface NotificationView {
  notificationId: string;
  eventId: string;
  type: string;
  channel: NotificationChannel;
  to: string;
  subject: string;
  status: NotificationStatus;
  sentAt: string | null;
  attempts: number;
}

type NewNotification = Pick<
  NotificationEntity,
  | 'notificationId'
  | 'eventId'
  | 'customerId'
  | 'type'
  | 'channel'
  | 'to'
  | 'subject'
  | 'body'
  | 'html'
  | 'endpointId'
>;

/**
 * Turns an event into the notifications it calls for — one email to the customer, one delivery per
 * subscribed webhook endpoint — recorded `pending` in the inbox's transaction, each at most once per
 * (event, channel, recipient) by the table's unique key; their delivery jobs are queued once that
 * transaction has committed.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
    private readonly recipients: RecipientsService,
    private readonly endpoints: WebhookEndpointsService,
    private readonly deliveries: DeliveryQueue,
  ) {}

  async notify(event: AnyCloudEvent, manager: EntityManager): Promise<void> {
    const customerId = event.customerid;
    const recipient = await this.recipients.find(customerId, manager);
    const context: TemplateContext = {
      customerName: event.type === 'payment.applied' ? event.data.customerName : (recipient?.name ?? ''),
      sites: recipient?.sites ?? [],
      checkRemitAddress: this.config.checkRemitAddress,
      wireInstructions: wireInstructionsText(this.config.wireInstructions),
      returnFeeCents: defaultFeePolicy.returnFee.amountCents,
      paperInvoiceFeeCents: defaultFeePolicy.paperInvoiceFee.amountCents,
    };
    const rows: NewNotification[] = [];
    const email = emailFor(event, context);
    if (email) {
      const to =
        event.type === 'payment.applied'
          ? event.data.customerEmail
          : (recipient?.email ?? RECIPIENT_NOT_YET_KNOWN);
      rows.push({
        notificationId: randomUUID(),
        eventId: event.id,
        customerId,
        type: email.type,
        channel: 'email',
        to,
        subject: email.subject,
        body: email.text,
        html: email.html,
        endpointId: null,
      });
    }
    for (const endpoint of await this.endpoints.subscribedTo(customerId, event.type, manager)) {
      const notificationId = randomUUID();
      rows.push({
        notificationId,
        eventId: event.id,
        customerId,
        type: event.type,
        channel: 'webhook',
        to: endpoint.endpointId,
        subject: event.type,
        body: webhookBody(event, notificationId),
        html: null,
        endpointId: endpoint.endpointId,
      });
    }
    for (const row of rows) {
      const inserted = await manager
        .createQueryBuilder()
        .insert()
        .into(NotificationEntity)
        .values({ ...row, status: 'pending', attempts: 0, sentAt: null })
        .orIgnore()
        .returning(['notification_id'])
        .execute();
      if ((inserted.raw as unknown[]).length === 0) {
        this.logger.warn(`${row.channel} ${row.type} for event ${event.id} already recorded`);
        continue;
      }
      this.deliveries.enqueueAfterCommit(manager, row.notificationId, row.channel);
      this.logger.log(`${row.channel} ${row.type} ${row.notificationId} recorded for ${customerId}`);
    }
  }

  async list(customerId: string): Promise<NotificationView[]> {
    const rows = await this.dataSource.getRepository(NotificationEntity).find({
      where: { customerId },
      order: { createdAt: 'DESC' },
      take: 200,
    });
    return rows.map((row) => ({
      notificationId: row.notificationId,
      eventId: row.eventId,
      type: row.type,
      channel: row.channel,
      to: row.to,
      subject: row.subject,
      status: row.status,
      sentAt: row.sentAt ? row.sentAt.toISOString() : null,
      attempts: row.attempts,
    }));
  }
}
