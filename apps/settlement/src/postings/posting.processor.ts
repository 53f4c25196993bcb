import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import {
  POSTING_QUEUE,
  POSTING_SWEEP_EVERY_MS,
  POSTING_SWEEP_SCHEDULER,
  type PostingJob,
} from './posting-queue';
import { PostPaymentService, type SettlementRunResult } from './post-payment.service';

/**
 * Thin adapter: a fired posting job posts its payment; the sweep job (every minute, one schedule for
 * all replicas) posts whatever is due, so that a lost job never strands a payment.
 */
@Processor(POSTING_QUEUE)
export class PostingProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly logger = new Logger(PostingProcessor.name);

  constructor(
    private readonly postings: PostPaymentService,
    @InjectQueue(POSTING_QUEUE) private readonly queue: Queue<PostingJob>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler(
      POSTING_SWEEP_SCHEDULER,
      { every: POSTING_SWEEP_EVERY_MS },
      { name: POSTING_SWEEP_SCHEDULER, opts: { removeOnComplete: 100, removeOnFail: 100 } },
    );
    this.logger.log(`posting sweep scheduled every ${POSTING_SWEEP_EVERY_MS / 1000}s`);
  }

  async process(job: Job<PostingJob>): Promise<{ posted: boolean } | SettlementRunResult> {
    if (job.name === POSTING_SWEEP_SCHEDULER) return this.postings.sweep();
    return { posted: await this.postings.postIfDue(job.data.paymentId) };
  }
}
