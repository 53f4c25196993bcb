import { Module } from '@nestjs/common';
import { MESSAGING_ENTITIES, MessagingModule } from '@remit/messaging';
import { PlatformModule, REMIT_CONFIG, loadConfig, type RemitConfig } from '@remit/platform';
import { IdempotencyService } from './idempotency/idempotency.service';
import { InvoiceViewConsumer } from './invoice-view/invoice-view.consumer';
import { AccountNumberCipher } from './payments/account-number-cipher';
import { PaymentEventsConsumer } from './payments/payment-events.consumer';
import { PaymentStatusService } from './payments/payment-status.service';
import { PaymentsController } from './payments/payments.controller';
import { PaymentsQuery } from './payments/payments.query';
import { SubmitPaymentService } from './payments/submit-payment.service';
import { INTAKE_ENTITIES, INTAKE_MIGRATIONS } from './payment-intake.entities';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'payment-intake',
      schema: 'intake',
      entities: [...INTAKE_ENTITIES, ...MESSAGING_ENTITIES],
      migrations: INTAKE_MIGRATIONS,
    }),
    MessagingModule.forRoot({
      source: 'remit/payment-intake',
      clientId: 'remit-payment-intake',
      brokers: loadConfig().kafkaBrokers,
    }),
  ],
  controllers: [PaymentsController],
  providers: [
    {
      provide: AccountNumberCipher,
      inject: [REMIT_CONFIG],
      useFactory: (config: RemitConfig) =>
        new AccountNumberCipher(config.paymentDataKey, config.previousPaymentDataKeys),
    },
    IdempotencyService,
    SubmitPaymentService,
    PaymentsQuery,
    PaymentStatusService,
    PaymentEventsConsumer,
    InvoiceViewConsumer,
  ],
})
export class PaymentIntakeModule {}
