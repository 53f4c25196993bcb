import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { ApplyPaymentService } from './apply-payment.service';

/** Thin adapter: hands each payment event to one use case, inside the event's inbox transaction. */
@KafkaConsumer({ groupId: 'invoice', topics: [Topics.intakePayments, Topics.settlementPayments] })
export class PaymentEventsConsumer {
  constructor(private readonly payments: ApplyPaymentService) {}

  @EventPattern<EventType>('payment.submitted')
  onSubmitted(
    @Payload() event: CloudEvent<'payment.submitted'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.payments.recordSubmitted(event, manager);
  }

  @EventPattern<EventType>('payment.posted')
  onPosted(@Payload() event: CloudEvent<'payment.posted'>, @Ctx() { manager }: InboxContext): Promise<void> {
    return this.payments.applyPosted(event, manager);
  }
}
