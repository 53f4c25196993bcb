import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { InvoiceViewService } from './invoice-view.service';

/** Thin adapter: keeps intake's invoice view current from invoice.events.v1 (`InvoiceViewService`). */
@KafkaConsumer({ groupId: 'payment-intake.invoice-view', topics: [Topics.invoiceEvents] })
export class InvoiceViewConsumer {
  constructor(private readonly view: InvoiceViewService) {}

  @EventPattern<EventType>('invoice.issued')
  onIssued(@Payload() event: CloudEvent<'invoice.issued'>, @Ctx() { manager }: InboxContext): Promise<void> {
    return this.view.upsert(event, manager);
  }

  @EventPattern<EventType>('invoice.balance-changed')
  onBalanceChanged(
    @Payload() event: CloudEvent<'invoice.balance-changed'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.view.upsert(event, manager);
  }

  @EventPattern<EventType>('payment.applied')
  onPaymentApplied(
    @Payload() event: CloudEvent<'payment.applied'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.view.markApplied(event, manager);
  }
}
