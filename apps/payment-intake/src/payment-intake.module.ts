import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { MESSAGING_ENTITIES } from '@remit/messaging';
import {
  PlatformModule,
  REMIT_CONFIG,
  accountNumberCipherProvider,
  requireIdempotencyHmacKey,
  bullConnectionOptions,
  type RemitConfig,
  serviceMessagingModule,
} from '@remit/platform';
import { IdempotencyService } from './idempotency/idempotency.service';
import {
  INTAKE_MAINTENANCE_QUEUE,
  IntakeMaintenanceProcessor,
} from './maintenance/intake-maintenance.processor';
import { RequestFingerprint } from './idempotency/request-fingerprint';
import { InvoiceViewConsumer } from './invoice-view/invoice-view.consumer';
import { InvoiceViewService } from './invoice-view/invoice-view.service';
import { PaymentEventsConsumer } from './payments/payment-events.consumer';
import { PaymentRedriveService } from './payments/payment-redrive.service';
import { PaymentStatusService } from './payments/payment-status.service';
import { PaymentsController } from './payments/payments.controller';
import { CancelPaymentService } from './payments/cancel-payment.service';
import { AccountFingerprint } from './payment-methods/account-fingerprint';
import { PaymentMethodsController } from './payment-methods/payment-methods.controller';
import { PaymentMethodsService } from './payment-methods/payment-methods.service';
import { AutopayController } from './autopay/autopay.controller';
import { AutopayService } from './autopay/autopay.service';
import { PaymentCommandsConsumer } from './commands/payment-commands.consumer';
import { PaymentCommandsService } from './commands/payment-commands.service';
import { AutopayProcessor } from './autopay/autopay.processor';
import { AutopayRunService } from './autopay/autopay-run.service';
import { AUTOPAY_QUEUE, AutopayReturnsService } from './autopay/autopay-returns.service';
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
    serviceMessagingModule('payment-intake'),
    BullModule.forRootAsync({
      inject: [REMIT_CONFIG],
      useFactory: (config: RemitConfig) => ({ connection: bullConnectionOptions(config), prefix: 'remit' }),
    }),
    BullModule.registerQueue({ name: INTAKE_MAINTENANCE_QUEUE }),
    BullModule.registerQueue({ name: AUTOPAY_QUEUE }),
  ],
  controllers: [
    PaymentsController,
    PaymentMethodsController,
    PaymentEventsConsumer,
    InvoiceViewConsumer,
    AutopayController,
  ],
  providers: [
    accountNumberCipherProvider,
    {
      provide: RequestFingerprint,
      inject: [REMIT_CONFIG],
      useFactory: (config: RemitConfig) => new RequestFingerprint(requireIdempotencyHmacKey(config)),
    },
    {
      provide: AccountFingerprint,
      inject: [REMIT_CONFIG],
      useFactory: (config: RemitConfig) => new AccountFingerprint(requireIdempotencyHmacKey(config)),
    },
    IdempotencyService,
    SubmitPaymentService,
    CancelPaymentService,
    PaymentMethodsService,
    AutopayService,
    PaymentCommandsService,
    PaymentCommandsConsumer,
    AutopayRunService,
    AutopayReturnsService,
    AutopayProcessor,
    PaymentRedriveService,
    IntakeMaintenanceProcessor,
    PaymentsQuery,
    PaymentStatusService,
    InvoiceViewService,
  ],
})
export class PaymentIntakeModule {}
