import { randomBytes } from 'node:crypto';
import { AccountNumberCipher } from './account-number-cipher';

describe(AccountNumberCipher.name, () => {
  const key1 = { keyId: 'k1', key: randomBytes(32) };
  const key2 = { keyId: 'k2', key: randomBytes(32) };

  it('round-trips and never shows the plaintext in the ciphertext', () => {
    const cipher = new AccountNumberCipher(key1);
    const sealed = cipher.encrypt('000123456789', 'payment-1');
    expect(sealed.keyId).toBe('k1');
    expect(sealed.ciphertext).not.toContain('123456789');
    expect(cipher.decrypt(sealed.ciphertext, sealed.keyId, 'payment-1')).toBe('000123456789');
  });

  it('uses a fresh IV each time', () => {
    const cipher = new AccountNumberCipher(key1);
    expect(cipher.encrypt('12345678', 'p').ciphertext).not.toBe(cipher.encrypt('12345678', 'p').ciphertext);
  });

  it('decrypts with a previous key after rotation', () => {
    const old = new AccountNumberCipher(key1).encrypt('987654321', 'p');
    const rotated = new AccountNumberCipher(key2, [key1]);
    expect(rotated.decrypt(old.ciphertext, old.keyId, 'p')).toBe('987654321');
    expect(rotated.encrypt('1', 'p').keyId).toBe('k2');
  });

  it('refuses tampered ciphertext and unknown keys', () => {
    const cipher = new AccountNumberCipher(key1);
    const sealed = cipher.encrypt('987654321', 'p');
    const [iv, tag, data] = sealed.ciphertext.split('.');
    const flipped = Buffer.from(data, 'base64');
    flipped[0] ^= 1;
    expect(() => cipher.decrypt([iv, tag, flipped.toString('base64')].join('.'), 'k1', 'p')).toThrow();
    expect(() => cipher.decrypt(sealed.ciphertext, 'nope', 'p')).toThrow(/unknown data key/);
    expect(() => cipher.decrypt('abc', 'k1', 'p')).toThrow(/malformed/);
  });

  it('refuses keys that are not 32 bytes', () => {
    expect(() => new AccountNumberCipher({ keyId: 'short', key: randomBytes(16) })).toThrow(/32 bytes/);
  });

  it('binds each ciphertext to its payment: under another id it does not decrypt', () => {
    const cipher = new AccountNumberCipher(key1);
    const sealed = cipher.encrypt('987654321', 'payment-a');
    expect(() => cipher.decrypt(sealed.ciphertext, sealed.keyId, 'payment-b')).toThrow();
    expect(cipher.decrypt(sealed.ciphertext, sealed.keyId, 'payment-a')).toBe('987654321');
  });
});
