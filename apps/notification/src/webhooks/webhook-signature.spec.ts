import { createHmac } from 'node:crypto';
import { signWebhook, verifyWebhookSignature } from './webhook-signature';

describe(signWebhook.name, () => {
  it('is t=<unix>,v1=<hex HMAC-SHA256 of "t.body">', () => {
    const expected = createHmac('sha256', 'whsec_x').update('1764000000.{"a":1}').digest('hex');
    expect(signWebhook('whsec_x', 1764000000, '{"a":1}')).toBe(`t=1764000000,v1=${expected}`);
  });
});

describe(verifyWebhookSignature.name, () => {
  const body = '{"type":"payment.posted"}';
  const header = signWebhook('whsec_x', 1764000000, body);

  it.each([
    ['accepts the signature of the body', header, body, 'whsec_x', 1764000010, true],
    ['refuses another body', header, '{"type":"payment.returned"}', 'whsec_x', 1764000010, false],
    ['refuses another secret', header, body, 'whsec_y', 1764000010, false],
    ['refuses an old timestamp (a replay)', header, body, 'whsec_x', 1764000400, false],
    [
      'refuses a header without a timestamp',
      header.replace(/^t=\d+,/, ''),
      body,
      'whsec_x',
      1764000010,
      false,
    ],
    ['refuses a truncated digest', header.slice(0, -2), body, 'whsec_x', 1764000010, false],
  ])('%s', (_case, signature, payload, secret, now, expected) => {
    expect(verifyWebhookSignature(signature, payload, secret, now)).toBe(expected);
  });
});
