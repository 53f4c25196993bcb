import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { SchedulePaymentService } from './schedule-payment.service';

@KafkaConsumer({ groupId: 'settlement', topics: [Topics.intakePayments] })
export class PaymentEventsConsumer {
  constructor(private readonly schedule: SchedulePaymentService) {}

  @EventPattern<EventType>('payment.submitted')
  onSubmitted(
    @Payload() event: CloudEvent<'payment.submitted'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.schedule.onSubmitted(event, manager);
  }
}
