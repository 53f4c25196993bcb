/**
 * The card processor adapter (docs/architecture.md, "Settlement": card authorisation through a
 * processor adapter). A real processor plugs in by implementing `CardProcessor` and being selected
 * by `CARD_PROCESSOR`; settlement never sees a card number, only the processor's token.
 */
export interface CardCaptureRequest {
  /** The processor's token for the card (never a card number). */
  cardToken: string;
  amountCents: number;
  currency: 'USD';
  /**
   * The same for every attempt of one payment (its payment id), so that a processor that supports
   * idempotent requests never captures twice when a timed-out attempt is retried.
   */
  idempotencyKey: string;
}

export type CardCaptureResult =
  /** Authorised and captured. */
  | { outcome: 'approved'; authorizationId: string }
  /** A final answer: the card will not pay this amount; `code` is stable, `reason` is shown to people. */
  | { outcome: 'declined'; code: CardDeclineCode; reason: string }
  /** No answer (timeout, processor unavailable): the same request may be tried again. */
  | { outcome: 'transient'; reason: string };

export type CardDeclineCode = 'CARD.DECLINED' | 'CARD.INSUFFICIENT_FUNDS';

/** Authorises and captures in one step, as the portal's "reflected when approved (same day)" needs. */
export abstract class CardProcessor {
  abstract readonly name: string;
  abstract authorizeAndCapture(request: CardCaptureRequest): Promise<CardCaptureResult>;
}
