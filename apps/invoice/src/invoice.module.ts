import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { MESSAGING_ENTITIES } from '@remit/messaging';
import {
  PlatformModule,
  REMIT_CONFIG,
  bullConnectionOptions,
  type RemitConfig,
  serviceMessagingModule,
} from '@remit/platform';
import { CreditService } from './credit/credit.service';
import { CustomersController } from './customers/customers.controller';
import { CustomersService } from './customers/customers.service';
import { FeesController } from './fees/fees.controller';
import { FeesService } from './fees/fees.service';
import { RETURN_FEE_QUEUE } from './fees/return-fee-queue';
import { ReturnFeeProcessor } from './fees/return-fee.processor';
import { ReturnFeeService } from './fees/return-fee.service';
import { WaiveFeeService } from './fees/waive-fee.service';
import { InvoicesController } from './invoices/invoices.controller';
import { InvoicesService } from './invoices/invoices.service';
import { IssueInvoiceService } from './invoices/issue-invoice.service';
import { LedgerController } from './ledger/ledger.controller';
import { LedgerService } from './ledger/ledger.service';
import { ApplyPaymentService } from './payments/apply-payment.service';
import { PaymentEventsConsumer } from './payments/payment-events.consumer';
import { ReversePaymentService } from './payments/reverse-payment.service';
import { INVOICE_ENTITIES, INVOICE_MIGRATIONS, INVOICE_SCHEMA } from './invoice.entities';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'invoice',
      schema: INVOICE_SCHEMA,
      entities: [...INVOICE_ENTITIES, ...MESSAGING_ENTITIES],
      migrations: INVOICE_MIGRATIONS,
    }),
    serviceMessagingModule('invoice'),
    BullModule.forRootAsync({
      inject: [REMIT_CONFIG],
      useFactory: (config: RemitConfig) => ({ connection: bullConnectionOptions(config), prefix: 'remit' }),
    }),
    BullModule.registerQueue({ name: RETURN_FEE_QUEUE }),
  ],
  controllers: [
    CustomersController,
    InvoicesController,
    LedgerController,
    FeesController,
    PaymentEventsConsumer,
  ],
  providers: [
    CustomersService,
    InvoicesService,
    IssueInvoiceService,
    LedgerService,
    CreditService,
    ApplyPaymentService,
    ReversePaymentService,
    ReturnFeeService,
    ReturnFeeProcessor,
    WaiveFeeService,
    FeesService,
  ],
})
export class InvoiceModule {}
