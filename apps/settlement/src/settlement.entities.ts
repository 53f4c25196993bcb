import { SettlementInitial1764000000000 } from './migrations/1764000000000-settlement-initial';
import { SettlementPaymentEntity } from './postings/settlement-payment.entity';
import { SettlementMessagingV21764200000000 } from './migrations/1764200000000-settlement-messaging-v2';
import { SettlementMethodsReceiptsReports1764310000000 } from './migrations/1764310000000-settlement-methods-receipts-reports';

export const SETTLEMENT_SCHEMA = 'settlement';
export const SETTLEMENT_ENTITIES = [SettlementPaymentEntity];
export const SETTLEMENT_MIGRATIONS = [
  SettlementInitial1764000000000,
  SettlementMessagingV21764200000000,
  SettlementMethodsReceiptsReports1764310000000,
];
