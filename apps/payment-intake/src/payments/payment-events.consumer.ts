import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { PaymentStatusService } from './payment-status.service';

@KafkaConsumer({ groupId: 'payment-intake', topics: [Topics.settlementPayments] })
export class PaymentEventsConsumer {
  constructor(private readonly statuses: PaymentStatusService) {}

  @EventPattern<EventType>('payment.scheduled')
  onScheduled(
    @Payload() event: CloudEvent<'payment.scheduled'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.statuses.onScheduled(event, manager);
  }

  @EventPattern<EventType>('payment.posted')
  onPosted(@Payload() event: CloudEvent<'payment.posted'>, @Ctx() { manager }: InboxContext): Promise<void> {
    return this.statuses.onPosted(event, manager);
  }
}
