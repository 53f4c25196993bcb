import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { POSTING_QUEUE, type PostingJob } from './posting-queue';
import { PostPaymentService } from './post-payment.service';

/** Thin adapter: a fired posting job posts its payment. */
@Processor(POSTING_QUEUE)
export class PostingProcessor extends WorkerHost {
  constructor(private readonly postings: PostPaymentService) {
    super();
  }

  async process(job: Job<PostingJob>): Promise<{ posted: boolean }> {
    return { posted: await this.postings.postIfDue(job.data.paymentId) };
  }
}
