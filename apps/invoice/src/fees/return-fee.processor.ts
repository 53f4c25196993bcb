import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { RETURN_FEE_QUEUE, type ReturnFeeJob } from './return-fee-queue';
import { ReturnFeeService, type ReturnFeeOutcome } from './return-fee.service';

/** Thin adapter: a return-fee job charges its payment's return fee (at most once, see ReturnFeeService). */
@Processor(RETURN_FEE_QUEUE)
export class ReturnFeeProcessor extends WorkerHost {
  constructor(private readonly fees: ReturnFeeService) {
    super();
  }

  process(job: Job<ReturnFeeJob>): Promise<ReturnFeeOutcome> {
    return this.fees.charge(job.data.paymentId);
  }
}
