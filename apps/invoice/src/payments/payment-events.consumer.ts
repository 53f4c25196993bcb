import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Topics } from '@remit/contracts';
import { ConsumerHost } from '@remit/messaging';
import { ApplyPaymentService } from './apply-payment.service';

/** Thin adapter: decodes payment events and hands each to one use case. */
@Injectable()
export class PaymentEventsConsumer implements OnModuleInit {
  constructor(
    private readonly host: ConsumerHost,
    private readonly payments: ApplyPaymentService,
  ) {}

  onModuleInit(): void {
    this.host.register({
      groupId: 'invoice',
      topics: [Topics.intakePayments, Topics.settlementPayments],
      handlers: {
        'payment.submitted': (event, manager) => this.payments.recordSubmitted(event, manager),
        'payment.posted': (event, manager) => this.payments.applyPosted(event, manager),
      },
    });
  }
}
