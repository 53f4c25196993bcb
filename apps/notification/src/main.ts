import 'reflect-metadata';
import { bootstrapService, loadConfig } from '@remit/platform';
import { NotificationModule } from './notification.module';

void bootstrapService(NotificationModule, { service: 'notification', port: loadConfig().ports.notification });
