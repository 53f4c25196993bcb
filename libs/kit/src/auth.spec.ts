import jwt from 'jsonwebtoken';
import { AppError } from './errors';
import { assertCustomerAccess, signToken, verifyToken } from './auth';

const secret = 'test-secret-of-some-length';

function statusOf(run: () => unknown): number | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    return error instanceof AppError ? error.status : -1;
  }
}

describe(verifyToken.name, () => {
  it('accepts a valid HS256 token', () => {
    const token = signToken({ sub: 'u1', role: 'customer', customers: ['c1'] }, secret);
    expect(verifyToken(`Bearer ${token}`, secret)).toEqual({
      sub: 'u1',
      role: 'customer',
      customers: ['c1'],
    });
  });

  it.each([
    ['no header', undefined],
    ['not bearer', 'Basic abc'],
    ['garbage', 'Bearer abc.def.ghi'],
    [
      'wrong secret',
      `Bearer ${signToken({ sub: 'u', role: 'ops', customers: [] }, 'another-secret-entirely')}`,
    ],
    [
      'expired',
      `Bearer ${jwt.sign({ sub: 'u', role: 'ops', customers: [], exp: Math.floor(Date.now() / 1000) - 10 }, secret)}`,
    ],
    ['unknown role', `Bearer ${jwt.sign({ sub: 'u', role: 'admin' }, secret)}`],
    ['alg none', `Bearer ${jwt.sign({ sub: 'u', role: 'ops', customers: [] }, '', { algorithm: 'none' })}`],
  ])('refuses %s with 401', (_name, header) => {
    expect(statusOf(() => verifyToken(header, secret))).toBe(401);
  });
});

describe(assertCustomerAccess.name, () => {
  it.each([
    [{ sub: 'o', role: 'ops' as const, customers: [] }, 'any', undefined],
    [{ sub: 'u', role: 'customer' as const, customers: ['c1', 'c2'] }, 'c2', undefined],
    [{ sub: 'u', role: 'customer' as const, customers: ['c1'] }, 'c3', 403],
  ])('%o acting for %s → %s', (principal, customerId, status) => {
    expect(statusOf(() => assertCustomerAccess(principal, customerId))).toBe(status);
  });
});
