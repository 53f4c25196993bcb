import { createHash } from 'node:crypto';
import { CardProcessor, type CardCaptureRequest, type CardCaptureResult } from './card-processor';

/**
 * The sandbox's test tokens (docs/finance-ops.md, "Card payments in the sandbox"): each token always
 * gives the same answer, so that tests and demos can walk every path without a real processor.
 */
export const SANDBOX_CARD_TOKENS = {
  approve: 'tok_approve',
  decline: 'tok_decline',
  insufficientFunds: 'tok_insufficient_funds',
  timeout: 'tok_timeout',
} as const;

/** `CARD_PROCESSOR=sandbox`: answers by token, moves no money. Any other token is declined. */
export class SandboxCardProcessor extends CardProcessor {
  readonly name = 'sandbox';

  authorizeAndCapture(request: CardCaptureRequest): Promise<CardCaptureResult> {
    switch (request.cardToken) {
      case SANDBOX_CARD_TOKENS.approve:
        return Promise.resolve({ outcome: 'approved', authorizationId: sandboxAuthorizationId(request) });
      case SANDBOX_CARD_TOKENS.decline:
        return Promise.resolve({
          outcome: 'declined',
          code: 'CARD.DECLINED',
          reason: 'the card issuer declined the payment',
        });
      case SANDBOX_CARD_TOKENS.insufficientFunds:
        return Promise.resolve({
          outcome: 'declined',
          code: 'CARD.INSUFFICIENT_FUNDS',
          reason: 'insufficient funds on the card',
        });
      case SANDBOX_CARD_TOKENS.timeout:
        return Promise.resolve({ outcome: 'transient', reason: 'the card processor did not answer in time' });
      default:
        return Promise.resolve({
          outcome: 'declined',
          code: 'CARD.DECLINED',
          reason: 'the sandbox card processor does not know this token',
        });
    }
  }
}

/** Deterministic per payment, as a real processor's id is stable for one idempotency key. */
function sandboxAuthorizationId(request: CardCaptureRequest): string {
  const digest = createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 16);
  return `sandbox_auth_${digest}`;
}
