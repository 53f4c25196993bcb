import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { CancelPaymentService } from '../cancel/cancel-payment.service';
import { SchedulePaymentService } from './schedule-payment.service';

@KafkaConsumer({ groupId: 'settlement', topics: [Topics.intakePayments] })
export class PaymentEventsConsumer {
  constructor(
    private readonly schedule: SchedulePaymentService,
    private readonly cancel: CancelPaymentService,
  ) {}

  @EventPattern<EventType>('payment.submitted')
  onSubmitted(
    @Payload() event: CloudEvent<'payment.submitted'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.schedule.onSubmitted(event, manager);
  }

  @EventPattern<EventType>('payment.cancel-requested')
  async onCancelRequested(
    @Payload() event: CloudEvent<'payment.cancel-requested'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    await this.cancel.onCancelRequested(event, manager);
  }
}
