import { randomBytes } from 'node:crypto';
import { AccountFingerprint } from './account-fingerprint';

describe(AccountFingerprint.name, () => {
  const fingerprint = new AccountFingerprint(randomBytes(32));

  it('is the same for the same customer and account, and never contains the account number', () => {
    const first = fingerprint.of('c-1', '021000021', '987654321');
    expect(fingerprint.of('c-1', '021000021', '987654321')).toBe(first);
    expect(first).not.toContain('987654321');
  });

  it.each([
    ['another account', 'c-1', '021000021', '987654322'],
    ['another routing number', 'c-1', '011000015', '987654321'],
    ['another customer', 'c-2', '021000021', '987654321'],
    ['digits moved across the boundary', 'c-1', '0210000219', '87654321'],
  ])('differs for %s', (_case, customerId, routing, account) => {
    expect(fingerprint.of(customerId, routing, account)).not.toBe(
      fingerprint.of('c-1', '021000021', '987654321'),
    );
  });

  it('depends on the key', () => {
    expect(new AccountFingerprint(randomBytes(32)).of('c-1', '021000021', '987654321')).not.toBe(
      fingerprint.of('c-1', '021000021', '987654321'),
    );
  });
});
