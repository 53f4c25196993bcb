import { randomBytes } from 'node:crypto';
import { AccountNumberCipher } from './account-number-cipher';

describe(AccountNumberCipher.name, () => {
  const key1 = { keyId: 'k1', key: randomBytes(32) };
  const key2 = { keyId: 'k2', key: randomBytes(32) };

  it('round-trips and never shows the plaintext in the ciphertext', () => {
    const cipher = new AccountNumberCipher(key1);
    const sealed = cipher.encrypt('000123456789');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext).not.toContain('123456789');
    expect(cipher.decrypt(sealed.ciphertext, sealed.keyId)).toBe('000123456789');
  });

  it('uses a fresh IV each time', () => {
    const cipher = new AccountNumberCipher(key1);
    expect(cipher.encrypt('12345678').ciphertext).not.toBe(cipher.encrypt('12345678').ciphertext);
  });

  it('decrypts with a previous key after rotation', () => {
    const old = new AccountNumberCipher(key1).encrypt('987654321');
    const rotated = new AccountNumberCipher(key2, [key1]);
    expect(rotated.decrypt(old.ciphertext, old.keyId)).toBe('987654321');
    expect(rotated.encrypt('1').keyId).toBe('k2');
  });

  it('refuses tampered ciphertext and unknown keys', () => {
    const cipher = new AccountNumberCipher(key1);
    const sealed = cipher.encrypt('987654321');
    const [iv, tag, data] = sealed.ciphertext.split('.');
    const flipped = Buffer.from(data, 'base64');
    flipped[0] ^= 1;
    expect(() => cipher.decrypt([iv, tag, flipped.toString('base64')].join('.'), 'k1')).toThrow();
    expect(() => cipher.decrypt(sealed.ciphertext, 'nope')).toThrow(/unknown data key/);
    expect(() => cipher.decrypt('abc', 'k1')).toThrow(/malformed/);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new AccountNumberCipher({ keyId: 'short', key: randomBytes(16) })).toThrow(/32 bytes/);
  });

  it('fingerprints deterministically per key', () => {
    expect(new AccountNumberCipher(key1).fingerprint('x')).toBe(
      new AccountNumberCipher(key1).fingerprint('x'),
    );
    expect(new AccountNumberCipher(key1).fingerprint('x')).not.toBe(
      new AccountNumberCipher(key2).fingerprint('x'),
    );
  });
});
