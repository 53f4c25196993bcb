/** BullMQ queue of return-fee charges (docs/architecture.md, flow 2): one job per returned payment. */
export const RETURN_FEE_QUEUE = 'invoice-return-fee';

export interface ReturnFeeJob {
  paymentId: string;
}

/** The job id is derived from the payment, so a second return message adds no second job. */
export function returnFeeJobId(paymentId: string): string {
  return `return-fee-${paymentId}`;
}

export const RETURN_FEE_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: 1000,
  removeOnFail: 5000,
} as const;

/** The job scheduler (and job name) of the sweep that charges what a lost job left uncharged. */
export const RETURN_FEE_SWEEP_SCHEDULER = 'return-fee-sweep';
export const RETURN_FEE_SWEEP_EVERY_MS = 60_000;
