import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { maintainJobSchedulers } from '@remit/platform';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { PaymentRedriveService, type RedriveResult } from '../payments/payment-redrive.service';

/** BullMQ queue of intake's periodic upkeep. */
export const INTAKE_MAINTENANCE_QUEUE = 'intake-maintenance';

/**
 * The job schedulers of the queue, by id (BullMQ keeps one schedule per id for every replica):
 * re-drive payments still `submitted` past their deadline (the age that counts as stuck is
 * configuration), and purge idempotency keys past their retention.
 */
export const INTAKE_SCHEDULES = {
  'payment-redrive': { every: 30_000 },
  'idempotency-purge': { every: 60 * 60_000 },
} as const;
export type IntakeScheduleName = keyof typeof INTAKE_SCHEDULES;

/** Thin adapter: each scheduled job calls one use case. */
@Processor(INTAKE_MAINTENANCE_QUEUE)
export class IntakeMaintenanceProcessor
  extends WorkerHost
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(IntakeMaintenanceProcessor.name);
  private stopSchedulers = (): Promise<void> => Promise.resolve();

  constructor(
    private readonly redrive: PaymentRedriveService,
    private readonly idempotency: IdempotencyService,
    @InjectQueue(INTAKE_MAINTENANCE_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const schedulers = maintainJobSchedulers(this.queue, INTAKE_SCHEDULES, this.logger);
    this.stopSchedulers = schedulers.stop;
    await schedulers.ready;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSchedulers();
  }

  async process(job: Job): Promise<RedriveResult | { purged: number }> {
    switch (job.name as IntakeScheduleName) {
      case 'payment-redrive':
        return this.redrive.redriveStuck();
      case 'idempotency-purge':
        return { purged: await this.idempotency.purgeExpired() };
      default:
        throw new Error(`unknown maintenance job ${job.name}`);
    }
  }
}
