import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { PaymentRedriveService, type RedriveResult } from './payment-redrive.service';

/** BullMQ queue of intake's periodic upkeep. */
export const INTAKE_MAINTENANCE_QUEUE = 'intake-maintenance';
/** Job scheduler id: one schedule for every intake replica (BullMQ keeps one per id). */
export const PAYMENT_REDRIVE_SCHEDULER = 'payment-redrive';
/** How often stuck payments are looked for; the age that counts as stuck is configuration. */
export const PAYMENT_REDRIVE_EVERY_MS = 30_000;

/** Thin adapter: the scheduled job re-drives payments still `submitted` past their deadline. */
@Processor(INTAKE_MAINTENANCE_QUEUE)
export class PaymentRedriveProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(PaymentRedriveProcessor.name);

  constructor(
    private readonly redrive: PaymentRedriveService,
    @InjectQueue(INTAKE_MAINTENANCE_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      PAYMENT_REDRIVE_SCHEDULER,
      { every: PAYMENT_REDRIVE_EVERY_MS },
      { name: PAYMENT_REDRIVE_SCHEDULER, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
    this.logger.log(`payment re-drive scheduled every ${PAYMENT_REDRIVE_EVERY_MS / 1000}s`);
  }

  process(_job: Job): Promise<RedriveResult> {
    return this.redrive.redriveStuck();
  }
}
