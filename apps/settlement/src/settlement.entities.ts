import { SettlementInitial1764000000000 } from './migrations/1764000000000-settlement-initial';
import { SettlementPaymentEntity } from './postings/settlement-payment.entity';
import { SettlementMessagingV21764200000000 } from './migrations/1764200000000-settlement-messaging-v2';
import { SettlementMethodsReceiptsReports1764310000000 } from './migrations/1764310000000-settlement-methods-receipts-reports';

import { SettlementAch1764300000000 } from './migrations/1764300000000-settlement-ach';
import { SettlementAchEntryFailed1764360000000 } from './migrations/1764360000000-settlement-ach-entry-failed';
import { SettlementOutboxHeldIndex1764390000000 } from './migrations/1764390000000-settlement-outbox-held-index';
import { AchEntryEntity } from './origination/ach-entry.entity';
import { AchFileEntity } from './origination/ach-file.entity';
import { SettlementDayEntity } from './origination/settlement-day.entity';
import { AchNoticeOfChangeEntity } from './returns/ach-notice-of-change.entity';
import { AchReturnEntity } from './returns/ach-return.entity';

export const SETTLEMENT_SCHEMA = 'settlement';
export const SETTLEMENT_ENTITIES = [
  SettlementPaymentEntity,
  AchEntryEntity,
  AchFileEntity,
  SettlementDayEntity,
  AchReturnEntity,
  AchNoticeOfChangeEntity,
];
export const SETTLEMENT_MIGRATIONS = [
  SettlementInitial1764000000000,
  SettlementMessagingV21764200000000,
  SettlementAch1764300000000,
  SettlementMethodsReceiptsReports1764310000000,
  SettlementAchEntryFailed1764360000000,
  SettlementOutboxHeldIndex1764390000000,
];
