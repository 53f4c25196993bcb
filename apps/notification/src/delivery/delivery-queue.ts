import type { JobsOptions } from 'bullmq';

/** BullMQ queue of deliveries: one job per notification (its id is the job id), email or webhook. */
export const DELIVERY_QUEUE = 'notification-delivery';

/** Deliveries one process runs at once (BullMQ worker concurrency; the Mailer keeps as many SMTP connections). */
export const DELIVERY_CONCURRENCY = 4;

export interface DeliveryJob {
  notificationId: string;
}

/** The job scheduler (and job name) of the sweep that re-queues deliveries whose job was lost. */
export const DELIVERY_SWEEP_SCHEDULER = 'delivery-sweep';
export const DELIVERY_SWEEP_EVERY_MS = 60_000;
/** A pending or failed notification untouched this long is queued again by the sweep. */
export const DELIVERY_STALE_AFTER_MS = 120_000;

/**
 * How many attempts fit in `windowMs` when the n-th retry waits `baseMs * 2^(n-1)` (BullMQ's
 * exponential backoff): the most attempts whose retries all start within the window, at least one.
 * WEBHOOK_RETRY_WINDOW_SECONDS=259200 (3 days) with a 10 s base gives 15 attempts, the last about
 * 1.9 days after the first (the next would come after 3.8 days, past the window).
 */
export function attemptsWithin(windowMs: number, baseMs: number): number {
  if (!(windowMs > 0) || !(baseMs > 0)) throw new Error('attemptsWithin: window and base must be positive');
  // Retries 1..k wait baseMs * (2^k - 1) in all.
  let retries = 0;
  while (baseMs * (2 ** (retries + 1) - 1) <= windowMs) retries += 1;
  return retries + 1;
}

/** BullMQ options of one delivery job. */
export function deliveryJobOptions(notificationId: string, attempts: number, baseMs: number): JobsOptions {
  return {
    jobId: notificationId,
    attempts,
    backoff: { type: 'exponential', delay: baseMs },
    removeOnComplete: 1000,
    removeOnFail: 5000,
  };
}

/**
 * BullMQ options of the job that retries a notification after `attemptsMade` failed attempts made
 * outside BullMQ: the job starts after `baseMs * 2^(attemptsMade - 1)` and its own exponential backoff
 * starts at twice that, so that attempt n + 1 still follows attempt n by `baseMs * 2^(n - 1)`; it has
 * the attempts left of `attempts` (at least one).
 */
export function retryJobOptions(
  notificationId: string,
  attempts: number,
  baseMs: number,
  attemptsMade: number,
): JobsOptions {
  if (!Number.isInteger(attemptsMade) || attemptsMade < 1) {
    throw new Error('retryJobOptions: attemptsMade must be a positive integer');
  }
  return {
    ...deliveryJobOptions(notificationId, Math.max(attempts - attemptsMade, 1), baseMs * 2 ** attemptsMade),
    delay: baseMs * 2 ** (attemptsMade - 1),
  };
}
