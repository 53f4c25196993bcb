import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { KafkaConsumer, type InboxContext } from '@remit/messaging';
import { CreditService } from '../credit/credit.service';
import { ApplyPaymentService } from './apply-payment.service';
import { ReversePaymentService } from './reverse-payment.service';

/** Thin adapter: hands each payment event to one use case, inside the event's inbox transaction. */
@KafkaConsumer({ groupId: 'invoice', topics: [Topics.intakePayments, Topics.settlementPayments] })
export class PaymentEventsConsumer {
  constructor(
    private readonly payments: ApplyPaymentService,
    private readonly reversals: ReversePaymentService,
    private readonly credit: CreditService,
  ) {}

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

  @EventPattern<EventType>('payment.canceled')
  onCanceled(
    @Payload() event: CloudEvent<'payment.canceled'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.payments.recordEnded(event, manager);
  }

  @EventPattern<EventType>('payment.failed')
  onFailed(@Payload() event: CloudEvent<'payment.failed'>, @Ctx() { manager }: InboxContext): Promise<void> {
    return this.payments.recordEnded(event, manager);
  }

  @EventPattern<EventType>('payment.expired')
  onExpired(
    @Payload() event: CloudEvent<'payment.expired'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.payments.recordEnded(event, manager);
  }

  @EventPattern<EventType>('payment.returned')
  onReturned(
    @Payload() event: CloudEvent<'payment.returned'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.reversals.onReturned(event, manager);
  }

  @EventPattern<EventType>('receipt.unmatched')
  onUnmatchedReceipt(
    @Payload() event: CloudEvent<'receipt.unmatched'>,
    @Ctx() { manager }: InboxContext,
  ): Promise<void> {
    return this.credit.onUnmatchedReceipt(event, manager);
  }
}
