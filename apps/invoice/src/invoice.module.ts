import { Module } from '@nestjs/common';
import { MESSAGING_ENTITIES } from '@remit/messaging';
import { PlatformModule, serviceMessagingModule } from '@remit/platform';
import { CustomersController } from './customers/customers.controller';
import { CustomersService } from './customers/customers.service';
import { InvoicesController } from './invoices/invoices.controller';
import { InvoicesService } from './invoices/invoices.service';
import { LedgerController } from './ledger/ledger.controller';
import { LedgerService } from './ledger/ledger.service';
import { ApplyPaymentService } from './payments/apply-payment.service';
import { PaymentEventsConsumer } from './payments/payment-events.consumer';
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
  ],
  controllers: [CustomersController, InvoicesController, LedgerController, PaymentEventsConsumer],
  providers: [CustomersService, InvoicesService, LedgerService, ApplyPaymentService],
})
export class InvoiceModule {}
