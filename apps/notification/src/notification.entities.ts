import { NotificationInitial1764000000000 } from './migrations/1764000000000-notification-initial';
import { NotificationEntity } from './notifications/notification.entity';
import { NotificationMessagingV21764200000000 } from './migrations/1764200000000-notification-messaging-v2';
import { NotificationDelivery1764340000000 } from './migrations/1764340000000-notification-delivery';
import { NotificationDeliveryLease1764340000001 } from './migrations/1764340000001-notification-delivery-lease';
import { NotificationOutboxHeldIndex1764390000000 } from './migrations/1764390000000-notification-outbox-held-index';
import { RecipientEntity } from './recipients/recipient.entity';
import { WebhookEndpointEntity } from './webhooks/webhook-endpoint.entity';

export const NOTIFICATION_SCHEMA = 'notification';
export const NOTIFICATION_ENTITIES = [NotificationEntity, RecipientEntity, WebhookEndpointEntity];
export const NOTIFICATION_MIGRATIONS = [
  NotificationInitial1764000000000,
  NotificationMessagingV21764200000000,
  NotificationDelivery1764340000000,
  NotificationDeliveryLease1764340000001,
  NotificationOutboxHeldIndex1764390000000,
];
