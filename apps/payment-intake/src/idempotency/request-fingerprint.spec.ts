import { randomBytes } from 'node:crypto';
import { canonicalJson, RequestFingerprint } from './request-fingerprint';

describe(canonicalJson.name, () => {
  it.each([
    [
      'sorts keys at every depth',
      { b: 1, a: { d: [2, { f: 1, e: 0 }], c: 'x' } },
      '{"a":{"c":"x","d":[2,{"e":0,"f":1}]},"b":1}',
    ],
    ['drops undefined members', { a: undefined, b: null }, '{"b":null}'],
    ['keeps array order', [3, 1, 2], '[3,1,2]'],
  ])('%s', (_case, value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });
});

describe(RequestFingerprint.name, () => {
  const key1 = randomBytes(32);
  const key2 = randomBytes(32);

  it('is the same for the same request, whatever its key order', () => {
    expect(new RequestFingerprint(key1).of({ a: 1, b: 2 })).toBe(
      new RequestFingerprint(key1).of({ b: 2, a: 1 }),
    );
  });

  it('differs for another request or another key', () => {
    const fingerprint = new RequestFingerprint(key1);
    expect(fingerprint.of({ a: 1 })).not.toBe(fingerprint.of({ a: 2 }));
    expect(fingerprint.of({ a: 1 })).not.toBe(new RequestFingerprint(key2).of({ a: 1 }));
  });

  it('never contains the request', () => {
    expect(new RequestFingerprint(key1).of({ accountNumber: '000123456789' })).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a short key', () => {
    expect(() => new RequestFingerprint(randomBytes(16))).toThrow(/32 bytes/);
  });
});
