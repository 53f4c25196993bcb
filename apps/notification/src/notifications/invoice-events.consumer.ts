import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { NotificationsService } from './notifications.service';

@KafkaConsumer({ groupId: 'notification', topics: [Topics.invoiceEvents] })
export class InvoiceEventsConsumer {
  constructor(private readonly notifications: NotificationsService) {}

  @EventPattern<EventType>('payment.applied')
  onApplied(
    @Payload() event: CloudEvent<'payment.applied'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.notifications.recordReceipt(event, manager);
  }
}
