import { AccountEntity } from './customers/account.entity';
import { CustomerEntity } from './customers/customer.entity';
import { InvoiceLineEntity } from './invoices/invoice-line.entity';
import { InvoiceEntity } from './invoices/invoice.entity';
import { LedgerEntryEntity } from './ledger/ledger-entry.entity';
import { InvoiceInitial1764000000000 } from './migrations/1764000000000-invoice-initial';
import { InvoiceVersions1764100000000 } from './migrations/1764100000000-invoice-versions';
import { PaymentApplicationEntity } from './payments/payment-application.entity';
import { PendingPaymentEntity } from './payments/pending-payment.entity';
import { InvoiceMessagingV21764200000000 } from './migrations/1764200000000-invoice-messaging-v2';
import { InvoiceLedgerFeesCredit1764330000000 } from './migrations/1764330000000-invoice-ledger-fees-credit';
import { InvoiceOutboxHeldIndex1764390000000 } from './migrations/1764390000000-invoice-outbox-held-index';
import { JournalEntity } from './ledger/journal.entity';
import { FeeEntity } from './fees/fee.entity';
import { CreditLotEntity } from './credit/credit-lot.entity';
import { PaymentReversalEntity } from './payments/payment-reversal.entity';

export const INVOICE_SCHEMA = 'invoice';
export const INVOICE_ENTITIES = [
  CustomerEntity,
  AccountEntity,
  InvoiceEntity,
  InvoiceLineEntity,
  PendingPaymentEntity,
  PaymentApplicationEntity,
  LedgerEntryEntity,
  JournalEntity,
  FeeEntity,
  CreditLotEntity,
  PaymentReversalEntity,
];
export const INVOICE_MIGRATIONS = [
  InvoiceInitial1764000000000,
  InvoiceVersions1764100000000,
  InvoiceMessagingV21764200000000,
  InvoiceLedgerFeesCredit1764330000000,
  InvoiceOutboxHeldIndex1764390000000,
];
