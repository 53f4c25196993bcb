import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Topics } from '@remit/contracts';
import { ConsumerHost } from '@remit/messaging';
import { PaymentStatusService } from './payment-status.service';

@Injectable()
export class PaymentEventsConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly statuses: PaymentStatusService,
  ) {}

  onModuleInit(): void {
    this.host.register({
      groupId: 'payment-intake',
      topics: [Topics.settlementPayments],
      handlers: {
        'payment.scheduled': (event, manager) => this.statuses.onScheduled(event, manager),
        'payment.posted': (event, manager) => this.statuses.onPosted(event, manager),
      },
    });
  }
}
