import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { MESSAGING_ENTITIES } from '@remit/messaging';
import {
  PlatformModule,
  REMIT_CONFIG,
  bullConnectionOptions,
  type RemitConfig,
  serviceMessagingModule,
} from '@remit/platform';
import { DeliverNotificationService } from './delivery/deliver-notification.service';
import { DeliveryHealth } from './delivery/delivery-health';
import { DELIVERY_QUEUE } from './delivery/delivery-queue';
import { DeliveryDispatcher } from './delivery/delivery-dispatcher';
import { DeliveryQueue } from './delivery/delivery-queue.service';
import { DeliveryProcessor } from './delivery/delivery.processor';
import { Mailer } from './delivery/mailer';
import { IntakeEventsConsumer } from './notifications/intake-events.consumer';
import { InvoiceEventsConsumer } from './notifications/invoice-events.consumer';
import { NotificationsController } from './notifications/notifications.controller';
import { NotificationsService } from './notifications/notifications.service';
import { SettlementEventsConsumer } from './notifications/settlement-events.consumer';
import { RecipientsService } from './recipients/recipients.service';
import { WebhookEndpointsController } from './webhooks/webhook-endpoints.controller';
import { WebhookEndpointsService } from './webhooks/webhook-endpoints.service';
import { webhookSecretCipherProvider } from './webhooks/webhook-secret-cipher';
import { WebhookSender } from './webhooks/webhook-sender';
import { NOTIFICATION_ENTITIES, NOTIFICATION_MIGRATIONS } from './notification.entities';

/**
 * How long notification's outbox relay, woken by a commit, waits for more rows: `notification.sent`
 * is a record for finance ops and webhooks' audit, which no step of a payment waits on, and two of
 * them per payment each cost a relay round when sent at once (docs/performance.md, part 14).
 */
export const NOTIFICATION_RELAY_LINGER_MS = 50;

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'notification',
      schema: 'notification',
      entities: [...NOTIFICATION_ENTITIES, ...MESSAGING_ENTITIES],
      migrations: NOTIFICATION_MIGRATIONS,
    }),
    serviceMessagingModule('notification', { lingerMs: NOTIFICATION_RELAY_LINGER_MS }),
    BullModule.forRootAsync({
      inject: [REMIT_CONFIG],
      useFactory: (config: RemitConfig) => ({ connection: bullConnectionOptions(config), prefix: 'remit' }),
    }),
    BullModule.registerQueue({ name: DELIVERY_QUEUE }),
  ],
  controllers: [
    NotificationsController,
    WebhookEndpointsController,
    InvoiceEventsConsumer,
    IntakeEventsConsumer,
    SettlementEventsConsumer,
  ],
  providers: [
    NotificationsService,
    RecipientsService,
    WebhookEndpointsService,
    webhookSecretCipherProvider,
    WebhookSender,
    Mailer,
    DeliveryQueue,
    DeliveryDispatcher,
    DeliverNotificationService,
    DeliveryProcessor,
    DeliveryHealth,
  ],
})
export class NotificationModule {}
