import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Topics } from '@remit/contracts';
import { ConsumerHost } from '@remit/messaging';
import { NotificationsService } from './notifications.service';

@Injectable()
export class InvoiceEventsConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly notifications: NotificationsService,
  ) {}

  onModuleInit(): void {
    this.host.register({
      groupId: 'notification',
      topics: [Topics.invoiceEvents],
      handlers: {
        'payment.applied': (event, manager) => this.notifications.recordReceipt(event, manager),
      },
    });
  }
}
