import { NotificationInitial1764000000000 } from './migrations/1764000000000-notification-initial';
import { NotificationEntity } from './notifications/notification.entity';
import { NotificationMessagingV21764200000000 } from './migrations/1764200000000-notification-messaging-v2';

export const NOTIFICATION_SCHEMA = 'notification';
export const NOTIFICATION_ENTITIES = [NotificationEntity];
export const NOTIFICATION_MIGRATIONS = [
  NotificationInitial1764000000000,
  NotificationMessagingV21764200000000,
];
