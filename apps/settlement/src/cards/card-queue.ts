/** BullMQ queue of card authorisations: one job per card payment, retried with backoff on no answer. */
export const CARD_QUEUE = 'settlement-card';

export interface CardAuthorizationJob {
  paymentId: string;
}

/** Attempts before a processor that never answers fails the payment: 1 s, 2 s, 4 s between them. */
export const CARD_AUTHORIZATION_ATTEMPTS = 4;
export const CARD_AUTHORIZATION_BACKOFF_MS = 1000;

/** A card payment still `authorizing` this long is re-driven by the sweep (its job was lost). */
export const CARD_AUTHORIZATION_REDRIVE_AFTER_MS = 60_000;

export function cardJobId(paymentId: string): string {
  return `authorize-${paymentId}`;
}

/** Whether the attempt under way is the job's last: a transient answer then fails the payment. */
export function isFinalAttempt(job: { attemptsMade: number; opts: { attempts?: number } }): boolean {
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}
