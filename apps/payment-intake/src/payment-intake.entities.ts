import { IdempotencyKeyEntity } from './idempotency/idempotency-key.entity';
import { InvoiceViewEntity } from './invoice-view/invoice-view.entity';
import { IntakeInitial1764000000000 } from './migrations/1764000000000-intake-initial';
import { IntakeHardening1764100000000 } from './migrations/1764100000000-intake-hardening';
import { PaymentStatusChangeEntity } from './payments/payment-status-change.entity';
import { PaymentEntity } from './payments/payment.entity';
import { IntakeMessagingV21764200000000 } from './migrations/1764200000000-intake-messaging-v2';
import { IntakePaymentMethods1764320000000 } from './migrations/1764320000000-intake-payment-methods';
import { PaymentMethodEntity } from './payment-methods/payment-method.entity';
import { AutopayEnrolmentEntity } from './autopay/autopay-enrolment.entity';
import {
  AutopayPaymentEntity,
  AutopayReminderEntity,
  AutopayRepresentmentEntity,
  AutopayRunEntity,
} from './autopay/autopay-records.entity';
import { IntakeAutopayRuns1764350000000 } from './migrations/1764350000000-intake-autopay-runs';
import { IntakeSettlementAcknowledged1764370000000 } from './migrations/1764370000000-intake-settlement-acknowledged';
import { IntakeInvoiceViewReceived1764380000000 } from './migrations/1764380000000-intake-invoice-view-received';
import { IntakeOutboxHeldIndex1764390000000 } from './migrations/1764390000000-intake-outbox-held-index';
import { IntakeInFlightIndex1764400000000 } from './migrations/1764400000000-intake-in-flight-index';
import { IntakeOpenInvoicesIndex1764410000000 } from './migrations/1764410000000-intake-open-invoices-index';

export const INTAKE_SCHEMA = 'intake';
export const INTAKE_ENTITIES = [
  PaymentEntity,
  PaymentStatusChangeEntity,
  InvoiceViewEntity,
  IdempotencyKeyEntity,
  PaymentMethodEntity,
  AutopayEnrolmentEntity,
  AutopayRunEntity,
  AutopayReminderEntity,
  AutopayPaymentEntity,
  AutopayRepresentmentEntity,
];
export const INTAKE_MIGRATIONS = [
  IntakeInitial1764000000000,
  IntakeHardening1764100000000,
  IntakeMessagingV21764200000000,
  IntakePaymentMethods1764320000000,
  IntakeAutopayRuns1764350000000,
  IntakeSettlementAcknowledged1764370000000,
  IntakeInvoiceViewReceived1764380000000,
  IntakeOutboxHeldIndex1764390000000,
  IntakeInFlightIndex1764400000000,
  IntakeOpenInvoicesIndex1764410000000,
];
