import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Topics } from '@remit/contracts';
import { ConsumerHost } from '@remit/messaging';
import { SchedulePaymentService } from './schedule-payment.service';

@Injectable()
export class PaymentEventsConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly schedule: SchedulePaymentService,
  ) {}

  onModuleInit(): void {
    this.host.register({
      groupId: 'settlement',
      topics: [Topics.intakePayments],
      handlers: {
        'payment.submitted': (event, manager) => this.schedule.onSubmitted(event, manager),
      },
    });
  }
}
