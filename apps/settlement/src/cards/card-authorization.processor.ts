import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { CardAuthorizationService, type CardAuthorizationOutcome } from './card-authorization.service';
import { CARD_QUEUE, isFinalAttempt, type CardAuthorizationJob } from './card-queue';

/** Thin adapter: one card authorisation attempt per run; BullMQ retries it with backoff on no answer. */
@Processor(CARD_QUEUE)
export class CardAuthorizationProcessor extends WorkerHost {
  constructor(private readonly cards: CardAuthorizationService) {
    super();
  }

  async process(job: Job<CardAuthorizationJob>): Promise<{ outcome: CardAuthorizationOutcome }> {
    return { outcome: await this.cards.authorize(job.data.paymentId, isFinalAttempt(job)) };
  }
}
