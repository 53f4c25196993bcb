import { Module } from '@nestjs/common';
import { MESSAGING_ENTITIES } from '@remit/messaging';
import { PlatformModule, serviceMessagingModule } from '@remit/platform';
import { InvoiceEventsConsumer } from './notifications/invoice-events.consumer';
import { NotificationsController } from './notifications/notifications.controller';
import { NotificationsService } from './notifications/notifications.service';
import { NOTIFICATION_ENTITIES, NOTIFICATION_MIGRATIONS } from './notification.entities';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'notification',
      schema: 'notification',
      entities: [...NOTIFICATION_ENTITIES, ...MESSAGING_ENTITIES],
      migrations: NOTIFICATION_MIGRATIONS,
    }),
    serviceMessagingModule('notification'),
  ],
  controllers: [NotificationsController, InvoiceEventsConsumer],
  providers: [NotificationsService],
})
export class NotificationModule {}
