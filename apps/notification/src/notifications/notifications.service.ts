import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { NotificationEntity } from './notification.entity';
import { renderReceipt } from './receipt.template';

export interface NotificationView {
  notificationId: string;
  eventId: string;
  type: string;
  channel: 'email' | 'webhook';
  to: string;
  subject: string;
  status: 'pending' | 'sent' | 'failed';
  sentAt: string | null;
}

@Injectable()
export class NotificationsService {
  private readonly logger = new Logger(NotificationsService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Flow 1's last step: a receipt for the applied payment, once per event and channel. */
  async recordReceipt(event: CloudEvent<'payment.applied'>, manager: EntityManager): Promise<void> {
    const receipt = renderReceipt(event.data);
    const result = await manager
      .createQueryBuilder()
      .insert()
      .into(NotificationEntity)
      .values({
        notificationId: randomUUID(),
        eventId: event.id,
        customerId: event.data.customerId,
        type: 'payment.receipt',
        channel: 'email',
        to: event.data.customerEmail,
        subject: receipt.subject,
        body: receipt.body,
        status: 'pending',
        sentAt: null,
      })
      .orIgnore()
      .returning(['notification_id'])
      .execute();
    if ((result.raw as unknown[]).length === 0) {
      this.logger.warn(`receipt for event ${event.id} already recorded`);
      return;
    }
    this.logger.log(`receipt for payment ${event.data.paymentId} recorded for ${event.data.customerId}`);
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
    }));
  }
}
