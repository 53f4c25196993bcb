import { SANDBOX_CARD_TOKENS, SandboxCardProcessor } from './sandbox-card-processor';

describe(SandboxCardProcessor.name, () => {
  const processor = new SandboxCardProcessor();
  const request = (cardToken: string) => ({
    cardToken,
    amountCents: 12_345,
    currency: 'USD' as const,
    idempotencyKey: '5b1f8c1e-4a57-4d0c-9a55-5d1b7c9f0e11',
  });

  it.each([
    ['tok_decline', SANDBOX_CARD_TOKENS.decline, { outcome: 'declined', code: 'CARD.DECLINED' }],
    [
      'tok_insufficient_funds',
      SANDBOX_CARD_TOKENS.insufficientFunds,
      { outcome: 'declined', code: 'CARD.INSUFFICIENT_FUNDS' },
    ],
    ['tok_timeout', SANDBOX_CARD_TOKENS.timeout, { outcome: 'transient' }],
    ['an unknown token', 'tok_whatever', { outcome: 'declined', code: 'CARD.DECLINED' }],
  ])('answers %s', async (_case, token, expected) => {
    const result = await processor.authorizeAndCapture(request(token));
    expect(result).toMatchObject(expected);
    expect(result).toHaveProperty('reason', expect.any(String));
  });

  it('approves tok_approve with an authorisation id that is stable per payment', async () => {
    const first = await processor.authorizeAndCapture(request(SANDBOX_CARD_TOKENS.approve));
    const again = await processor.authorizeAndCapture(request(SANDBOX_CARD_TOKENS.approve));
    expect(first).toEqual({
      outcome: 'approved',
      authorizationId: expect.stringMatching(/^sandbox_auth_[0-9a-f]{16}$/),
    });
    expect(again).toEqual(first);
    const other = await processor.authorizeAndCapture({ ...request('tok_approve'), idempotencyKey: 'other' });
    expect(other).not.toEqual(first);
  });
});
