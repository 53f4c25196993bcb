import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AnyCloudEvent } from '@remit/contracts';
import { deferToBatch } from '@remit/messaging';
import { defaultFeePolicy } from '@remit/fees';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { DeliveryDispatcher } from '../delivery/delivery-dispatcher';
import type { RecipientEntity } from '../recipients/recipient.entity';
import { emailFor, wireInstructionsText, type TemplateContext } from '../templates/email-templates';
import { webhookBody } from '../webhooks/webhook-events';
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

/** What one event's notifications are made from: its recipient and subscribed webhook endpoints. */
interface Audience {
  recipient: Pick<RecipientEntity, 'name' | 'email' | 'sites'> | null;
  endpointIds: string[];
}

/**
 * Turns an event into the notifications it calls for — one email to the customer, one delivery per
 * subscribed webhook endpoint — recorded `pending` in the inbox's transaction, each at most once per
 * (event, channel, recipient) by the table's unique key; their first delivery attempts start once
 * that transaction has committed (DeliveryDispatcher).
 *
 * The events of one consumer transaction are handled together at its end (`deferToBatch`): one read of
 * their audiences and one insert of their notifications for the whole batch. A recipient change in
 * the same batch flushes them first (`RecipientsService.upsert`), so each event still meets the
 * recipient it would have met alone.
 */
@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
    private readonly deliveries: DeliveryDispatcher,
  ) {}

  /** Defers the event to the end of its consumer transaction (`manager` must be a consumer's). */
  notify(event: AnyCloudEvent, manager: EntityManager): Promise<void> {
    deferToBatch(manager, this, event, (events, flushManager) => this.record(events, flushManager));
    return Promise.resolve();
  }

  /** The notifications of a batch of events, in one read of their audiences and one insert. */
  private async record(events: AnyCloudEvent[], manager: EntityManager): Promise<void> {
    const audiences = await this.audiencesOf(events, manager);
    const rows = events.flatMap((event, index) => this.notificationsOf(event, audiences[index]));
    if (rows.length === 0) return;
    const inserted = new Set(await this.insertPending(rows, manager));
    for (const row of rows) {
      if (inserted.has(row.notificationId)) {
        this.logger.log(`${row.channel} ${row.type} ${row.notificationId} recorded for ${row.customerId}`);
      } else {
        this.logger.warn(`${row.channel} ${row.type} for event ${row.eventId} already recorded`);
      }
    }
    const recorded = rows.filter((row) => inserted.has(row.notificationId));
    if (recorded.length > 0) this.deliveries.deliverAfterCommit(manager, recorded);
  }

  private notificationsOf(event: AnyCloudEvent, { recipient, endpointIds }: Audience): NewNotification[] {
    const customerId = event.customerid;
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
    for (const endpointId of endpointIds) {
      const notificationId = randomUUID();
      rows.push({
        notificationId,
        eventId: event.id,
        customerId,
        type: event.type,
        channel: 'webhook',
        to: endpointId,
        subject: event.type,
        body: webhookBody(event, notificationId),
        html: null,
        endpointId,
      });
    }
    return rows;
  }

  /**
   * Who hears about each event, in one statement for all of them: the customer's recipient (null
   * until invoice's `customer.created` has arrived) and the ids of the customer's webhook endpoints
   * subscribed to the event type. Read in the events' transaction every time, never cached: an
   * endpoint created or deleted through the API, or a `customer.updated`, counts from the next batch
   * on, whichever replica handled it.
   */
  private async audiencesOf(events: AnyCloudEvent[], manager: EntityManager): Promise<Audience[]> {
    const rows = await manager.query<
      {
        position: string;
        name: string | null;
        email: string | null;
        sites: RecipientEntity['sites'] | null;
        endpoint_ids: string[];
      }[]
    >(
      `SELECT wanted.position, recipient.name, recipient.email, recipient.sites,
              ARRAY(SELECT endpoint.endpoint_id::text FROM notification.webhook_endpoints endpoint
                     WHERE endpoint.customer_id = wanted.customer_id
                       AND endpoint.events @> jsonb_build_array(wanted.event_type)
                     ORDER BY endpoint.created_at, endpoint.endpoint_id) AS endpoint_ids
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS wanted (customer_id, event_type, position)
         LEFT JOIN notification.recipients recipient ON recipient.customer_id = wanted.customer_id`,
      [events.map((event) => event.customerid), events.map((event) => event.type)],
    );
    const byPosition = new Map(rows.map((row) => [Number(row.position), row]));
    return events.map((_event, index) => {
      const row = byPosition.get(index + 1);
      const recipient =
        row?.name != null && row.email != null
          ? { name: row.name, email: row.email, sites: row.sites ?? [] }
          : null;
      return { recipient, endpointIds: row?.endpoint_ids ?? [] };
    });
  }

  /**
   * Records the notifications `pending` in one statement; returns the ids of those inserted. A row
   * whose (event, channel, recipient) is already there (the event applied again under another id
   * of ours) is left out by the unique key.
   */
  private async insertPending(rows: NewNotification[], manager: EntityManager): Promise<string[]> {
    const columns = 10;
    const values = rows
      .map(
        (_row, index) =>
          `(${Array.from({ length: columns }, (_unused, column) => `$${index * columns + column + 1}`).join(', ')}, 'pending', 0)`,
      )
      .join(', ');
    const inserted = await manager.query<{ notification_id: string }[]>(
      `INSERT INTO notification.notifications
         (notification_id, event_id, customer_id, type, channel, recipient, subject, body, html, endpoint_id,
          status, attempts)
       VALUES ${values}
       ON CONFLICT DO NOTHING
       RETURNING notification_id`,
      rows.flatMap((row) => [
        row.notificationId,
        row.eventId,
        row.customerId,
        row.type,
        row.channel,
        row.to,
        row.subject,
        row.body,
        row.html,
        row.endpointId,
      ]),
    );
    return inserted.map((entry) => entry.notification_id);
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
