/** BullMQ queue of delayed posting jobs: one job per payment, fired at the start of its posting date. */
export const POSTING_QUEUE = 'settlement-posting';

export interface PostingJob {
  paymentId: string;
}

/** The job scheduler (and job name) of the sweep that posts whatever is due. */
export const POSTING_SWEEP_SCHEDULER = 'posting-sweep';
export const POSTING_SWEEP_EVERY_MS = 60_000;

export function postingJobId(paymentId: string): string {
  return `post-${paymentId}`;
}

/**
 * Milliseconds from `now` until 00:00 America/New_York on the posting date. 05:00Z is midnight EST;
 * in EDT it is 01:00, still before any business hour, which is all a posting job needs.
 */
export function delayUntilPostingDate(postingDate: string, now: Date): number {
  return Math.max(0, Date.parse(`${postingDate}T05:00:00Z`) - now.getTime());
}

/** The delayed posting job of one payment: fires at the start of its posting date, retried on error. */
export function postingJobOptions(
  paymentId: string,
  postingDate: string,
  now: Date,
): {
  jobId: string;
  delay: number;
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
  removeOnComplete: number;
  removeOnFail: number;
} {
  return {
    jobId: postingJobId(paymentId),
    delay: delayUntilPostingDate(postingDate, now),
    attempts: 10,
    backoff: { type: 'exponential', delay: 1000 },
    removeOnComplete: 1000,
    removeOnFail: 5000,
  };
}
