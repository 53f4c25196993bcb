import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { RecipientsService } from '../recipients/recipients.service';
import { NotificationsService } from './notifications.service';

/** invoice.events.v1: the posted receipt, fees, and the recipients of a customer's emails. */
@KafkaConsumer({ groupId: 'notification', topics: [Topics.invoiceEvents] })
export class InvoiceEventsConsumer {
  constructor(
    private readonly notifications: NotificationsService,
    private readonly recipients: RecipientsService,
  ) {}

  @EventPattern<EventType>('payment.applied')
  onApplied(
    @Payload() event: CloudEvent<'payment.applied'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.notifications.notify(event, manager);
  }

  @EventPattern<EventType>('fee.charged')
  onFeeCharged(@Payload() event: CloudEvent<'fee.charged'>, @Ctx() { manager }: InboxContext): Promise<void> {
    return this.notifications.notify(event, manager);
  }

  @EventPattern<EventType>('fee.waived')
  onFeeWaived(@Payload() event: CloudEvent<'fee.waived'>, @Ctx() { manager }: InboxContext): Promise<void> {
    return this.notifications.notify(event, manager);
  }

  @EventPattern<EventType>('customer.created')
  onCustomerCreated(
    @Payload() event: CloudEvent<'customer.created'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.recipients.upsert(event, manager);
  }

  @EventPattern<EventType>('customer.updated')
  onCustomerUpdated(
    @Payload() event: CloudEvent<'customer.updated'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.recipients.upsert(event, manager);
  }
}
