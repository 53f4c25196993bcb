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
import { localDateTimeOf } from '@remit/calendar';
import { Clock } from '@remit/platform';
import { CardAuthorizationService } from '../cards/card-authorization.service';
import { DeclaredPaymentExpiryService } from '../receipts/declared-payment-expiry.service';
import { PostPaymentService, type SettlementRunResult } from './post-payment.service';

/**
 * Thin adapter: a fired posting job posts its payment; the sweep job (every minute, one schedule for
 * all replicas) posts whatever is due, expires declared payments past their window and re-drives
 * card authorisations whose job was lost, so that no payment is ever stranded.
 */
@Processor(POSTING_QUEUE)
export class PostingProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(PostingProcessor.name);
  private stopSchedulers = (): Promise<void> => Promise.resolve();

  constructor(
    private readonly postings: PostPaymentService,
    private readonly expiry: DeclaredPaymentExpiryService,
    private readonly cards: CardAuthorizationService,
    private readonly clock: Clock,
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
    if (job.name === POSTING_SWEEP_SCHEDULER) {
      // The same sweep expires declared payments never received and re-drives lost card jobs.
      await this.expiry.expireDue(localDateTimeOf(await this.clock.now()).date);
      await this.cards.redriveStuck();
      return this.postings.sweep();
    }
    return { posted: await this.postings.postIfDue(job.data.paymentId) };
  }
}
