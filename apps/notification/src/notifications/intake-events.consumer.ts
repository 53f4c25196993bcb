import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { NotificationsService } from './notifications.service';

/** intake.payments.v1: payments received, autopay notices, disabled payment methods. */
@KafkaConsumer({ groupId: 'notification.intake', topics: [Topics.intakePayments] })
export class IntakeEventsConsumer {
  constructor(private readonly notifications: NotificationsService) {}

  @EventPattern<EventType>('payment.submitted')
  onSubmitted(
    @Payload() event: CloudEvent<'payment.submitted'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.notifications.notify(event, manager);
  }

  @EventPattern<EventType>('payment-method.disabled')
  onMethodDisabled(
    @Payload() event: CloudEvent<'payment-method.disabled'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.notifications.notify(event, manager);
  }

  @EventPattern<EventType>('autopay.upcoming')
  onAutopayUpcoming(
    @Payload() event: CloudEvent<'autopay.upcoming'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.notifications.notify(event, manager);
  }

  @EventPattern<EventType>('autopay.failed')
  onAutopayFailed(
    @Payload() event: CloudEvent<'autopay.failed'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.notifications.notify(event, manager);
  }
}
