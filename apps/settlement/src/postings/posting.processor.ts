import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { maintainJobSchedulers } from '@remit/platform';
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
export class PostingProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PostingProcessor.name);
  private stopSchedulers = (): Promise<void> => Promise.resolve();

  constructor(
    private readonly postings: PostPaymentService,
    @InjectQueue(POSTING_QUEUE) private readonly queue: Queue<PostingJob>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const schedulers = maintainJobSchedulers(
      this.queue,
      { [POSTING_SWEEP_SCHEDULER]: { every: POSTING_SWEEP_EVERY_MS } },
      this.logger,
    );
    this.stopSchedulers = schedulers.stop;
    await schedulers.ready;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSchedulers();
  }

  async process(job: Job<PostingJob>): Promise<{ posted: boolean } | SettlementRunResult> {
    if (job.name === POSTING_SWEEP_SCHEDULER) return this.postings.sweep();
    return { posted: await this.postings.postIfDue(job.data.paymentId) };
  }
}
