import { Module } from '@nestjs/common';
import { BullModule } from '@nestjs/bullmq';
import { MESSAGING_ENTITIES } from '@remit/messaging';
import {
  accountNumberCipherProvider,
  PlatformModule,
  REMIT_CONFIG,
  bullConnectionOptions,
  type RemitConfig,
  serviceMessagingModule,
} from '@remit/platform';
import { CardAuthorizationProcessor } from './cards/card-authorization.processor';
import { CardAuthorizationService } from './cards/card-authorization.service';
import { cardProcessorProvider } from './cards/card-processor.provider';
import { CARD_QUEUE } from './cards/card-queue';
import { DeclaredPaymentExpiryService } from './receipts/declared-payment-expiry.service';
import { ReceiptService } from './receipts/receipt.service';
import { ReceiptsController } from './receipts/receipts.controller';
import { DailyReportService } from './reports/daily-report.service';
import { ReportsController } from './reports/reports.controller';
import { CancelPaymentService } from './cancel/cancel-payment.service';
import { ACH_CUTOFF_QUEUE } from './origination/ach-cutoff.queue';
import { AchCutoffProcessor } from './origination/ach-cutoff.processor';
import { AchEntriesService } from './origination/ach-entries.service';
import { AchFilesController } from './origination/ach-files.controller';
import { AchOriginationService } from './origination/ach-origination.service';
import { AchReturnsController } from './returns/ach-returns.controller';
import { AchReturnsService } from './returns/ach-returns.service';
import { PaymentEventsConsumer } from './postings/payment-events.consumer';
import { PostPaymentService } from './postings/post-payment.service';
import { POSTING_QUEUE } from './postings/posting-queue';
import { PostingProcessor } from './postings/posting.processor';
import { SchedulePaymentService } from './postings/schedule-payment.service';
import { SettlementController } from './postings/settlement.controller';
import { SETTLEMENT_ENTITIES, SETTLEMENT_MIGRATIONS } from './settlement.entities';

@Module({
  imports: [
    PlatformModule.forRoot({
      service: 'settlement',
      schema: 'settlement',
      entities: [...SETTLEMENT_ENTITIES, ...MESSAGING_ENTITIES],
      migrations: SETTLEMENT_MIGRATIONS,
    }),
    serviceMessagingModule('settlement'),
    BullModule.forRootAsync({
      inject: [REMIT_CONFIG],
      useFactory: (config: RemitConfig) => ({ connection: bullConnectionOptions(config), prefix: 'remit' }),
    }),
    BullModule.registerQueue({ name: POSTING_QUEUE }, { name: CARD_QUEUE }, { name: ACH_CUTOFF_QUEUE }),
  ],
  controllers: [
    SettlementController,
    PaymentEventsConsumer,
    ReceiptsController,
    ReportsController,
    AchFilesController,
    AchReturnsController,
  ],
  providers: [
    SchedulePaymentService,
    PostPaymentService,
    PostingProcessor,
    cardProcessorProvider,
    CardAuthorizationService,
    CardAuthorizationProcessor,
    ReceiptService,
    DeclaredPaymentExpiryService,
    DailyReportService,
    accountNumberCipherProvider,
    AchEntriesService,
    AchOriginationService,
    AchCutoffProcessor,
    AchReturnsService,
    CancelPaymentService,
  ],
})
export class SettlementModule {}
