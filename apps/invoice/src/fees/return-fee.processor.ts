import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { maintainJobSchedulers } from '@remit/platform';
import {
  RETURN_FEE_QUEUE,
  RETURN_FEE_SWEEP_EVERY_MS,
  RETURN_FEE_SWEEP_SCHEDULER,
  type ReturnFeeJob,
} from './return-fee-queue';
import { ReturnFeeService, type ReturnFeeOutcome, type ReturnFeeSweepResult } from './return-fee.service';

/**
 * Thin adapter: a return-fee job charges its payment's return fee (at most once, see ReturnFeeService);
 * the sweep (every minute, one schedule for all replicas) charges any a lost job left uncharged.
 */
@Processor(RETURN_FEE_QUEUE)
export class ReturnFeeProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ReturnFeeProcessor.name);
  private stopSchedulers = (): Promise<void> => Promise.resolve();

  constructor(
    private readonly fees: ReturnFeeService,
    @InjectQueue(RETURN_FEE_QUEUE) private readonly queue: Queue<ReturnFeeJob>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const schedulers = maintainJobSchedulers(
      this.queue,
      { [RETURN_FEE_SWEEP_SCHEDULER]: { every: RETURN_FEE_SWEEP_EVERY_MS } },
      this.logger,
    );
    this.stopSchedulers = schedulers.stop;
    await schedulers.ready;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSchedulers();
  }

  process(job: Job<ReturnFeeJob>): Promise<ReturnFeeOutcome | ReturnFeeSweepResult> {
    if (job.name === RETURN_FEE_SWEEP_SCHEDULER) return this.fees.sweep();
    return this.fees.charge(job.data.paymentId);
  }
}
