import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { AutopayReturnsService } from '../autopay/autopay-returns.service';
import { PaymentMethodsService } from '../payment-methods/payment-methods.service';
import { PaymentStatusService } from './payment-status.service';

@KafkaConsumer({ groupId: 'payment-intake', topics: [Topics.settlementPayments] })
export class PaymentEventsConsumer {
  constructor(
    private readonly statuses: PaymentStatusService,
    private readonly paymentMethods: PaymentMethodsService,
    private readonly autopayReturns: AutopayReturnsService,
  ) {}

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

  @EventPattern<EventType>('payment.returned')
  async onReturned(
    @Payload() event: CloudEvent<'payment.returned'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    await this.statuses.onReturned(event, manager);
    await this.paymentMethods.onReturned(event, manager);
    await this.autopayReturns.onReturned(event, manager);
  }

  @EventPattern<EventType>('payment.failed')
  onFailed(@Payload() event: CloudEvent<'payment.failed'>, @Ctx() { manager }: InboxContext): Promise<void> {
    return this.statuses.onFailed(event, manager);
  }

  @EventPattern<EventType>('payment.expired')
  onExpired(
    @Payload() event: CloudEvent<'payment.expired'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.statuses.onExpired(event, manager);
  }

  @EventPattern<EventType>('payment.canceled')
  onCanceled(
    @Payload() event: CloudEvent<'payment.canceled'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.statuses.onCanceled(event, manager);
  }

  @EventPattern<EventType>('payment.notice-of-change')
  onNoticeOfChange(
    @Payload() event: CloudEvent<'payment.notice-of-change'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.paymentMethods.onNoticeOfChange(event, manager);
  }
}
