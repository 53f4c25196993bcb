import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { NotificationsService } from './notifications.service';

/** settlement.payments.v1: checks and wires awaited, postings, returns, failures. */
@KafkaConsumer({ groupId: 'notification.settlement', topics: [Topics.settlementPayments] })
export class SettlementEventsConsumer {
  constructor(private readonly notifications: NotificationsService) {}

  @EventPattern<EventType>('payment.scheduled')
  onScheduled(
    @Payload() event: CloudEvent<'payment.scheduled'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.notifications.notify(event, manager);
  }

  @EventPattern<EventType>('payment.posted')
  onPosted(@Payload() event: CloudEvent<'payment.posted'>, @Ctx() { manager }: InboxContext): Promise<void> {
    return this.notifications.notify(event, manager);
  }

  @EventPattern<EventType>('payment.returned')
  onReturned(
    @Payload() event: CloudEvent<'payment.returned'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.notifications.notify(event, manager);
  }

  @EventPattern<EventType>('payment.failed')
  onFailed(@Payload() event: CloudEvent<'payment.failed'>, @Ctx() { manager }: InboxContext): Promise<void> {
    return this.notifications.notify(event, manager);
  }
}
