import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../config/remit-config';
import { AppError } from '../errors/app-error';
import { principalOf, Public, Roles, type AuthenticatedRequest } from './auth.decorators';
import { AuthGuard, authorize } from './auth.guard';
import { bearerToken, signToken, verifyToken } from './jwt';
import { assertCustomerAccess, canActForCustomer, type Principal } from './principal';

const secret = 'unit-test-secret-of-a-decent-length';
const ops: Principal = { sub: 'ops-1', role: 'ops', customers: [] };
const customer: Principal = { sub: 'user-1', role: 'customer', customers: ['c1', 'c2'] };
const bearer = (principal: Principal, key = secret) => `Bearer ${signToken(principal, key)}`;

function failure(run: () => unknown): { status: number; code: string; message: string } | undefined {
  try {
    run();
    return undefined;
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { status: error.status, code: error.code, message: error.message };
  }
}

describe(verifyToken.name, () => {
  it('accepts a valid HS256 token and returns its claims', () => {
    expect(verifyToken(bearer(customer), secret)).toEqual(customer);
    expect(verifyToken(`bearer   ${signToken(ops, secret)}`, secret)).toEqual(ops);
  });

  it('defaults a missing customers claim to none', () => {
    const token = jwt.sign({ sub: 'ops-2', role: 'ops' }, secret, { algorithm: 'HS256' });
    expect(verifyToken(`Bearer ${token}`, secret)).toEqual({ sub: 'ops-2', role: 'ops', customers: [] });
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a bare token', signToken(ops, secret)],
    ['garbage', 'Bearer abc.def.ghi'],
    ['another secret', bearer(ops, 'another-secret-entirely-0123456789')],
    ['an expired token', `Bearer ${jwt.sign({ ...ops, exp: Math.floor(Date.now() / 1000) - 10 }, secret)}`],
    [
      'a token not yet valid',
      `Bearer ${jwt.sign({ ...ops, nbf: Math.floor(Date.now() / 1000) + 600 }, secret)}`,
    ],
    ['alg none', `Bearer ${jwt.sign({ ...ops }, '', { algorithm: 'none' })}`],
    ['HS512', `Bearer ${jwt.sign({ ...ops }, secret, { algorithm: 'HS512' })}`],
    ['an unknown role', `Bearer ${jwt.sign({ sub: 'u', role: 'admin', customers: [] }, secret)}`],
    ['no sub', `Bearer ${jwt.sign({ role: 'ops', customers: [] }, secret)}`],
    ['customers not a list', `Bearer ${jwt.sign({ sub: 'u', role: 'customer', customers: 'c1' }, secret)}`],
  ])('refuses %s with 401 UNAUTHENTICATED', (_case, header) => {
    expect(failure(() => verifyToken(header, secret))).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
  });

  it('says when a token has expired', () => {
    const header = `Bearer ${jwt.sign({ ...ops, exp: Math.floor(Date.now() / 1000) - 10 }, secret)}`;
    expect(failure(() => verifyToken(header, secret))?.message).toMatch(/expired/);
  });

  it('reads the first of repeated headers', () => {
    expect(bearerToken(['Bearer aaa.bbb.ccc', 'Bearer other'])).toBe('aaa.bbb.ccc');
  });
});

describe(signToken.name, () => {
  it('signs HS256 with the three claims and an expiry', () => {
    const decoded = jwt.decode(
      signToken({ ...customer, extra: 'dropped' } as Principal, secret, { expiresIn: '12h' }),
      {
        complete: true,
      },
    );
    expect(decoded?.header.alg).toBe('HS256');
    const payload = decoded?.payload as Record<string, unknown>;
    expect(payload).toMatchObject(customer);
    expect(payload.extra).toBeUndefined();
    expect((payload.exp as number) - (payload.iat as number)).toBe(12 * 3600);
  });
});

describe(assertCustomerAccess.name, () => {
  it.each([
    ['ops, any customer', ops, 'c9', true],
    ['a customer, one of its customers', customer, 'c2', true],
    ['a customer, another customer', customer, 'c3', false],
    ['a customer with none', { ...customer, customers: [] }, 'c1', false],
  ])('%s', (_case, principal, customerId, allowed) => {
    expect(canActForCustomer(principal, customerId)).toBe(allowed);
    expect(failure(() => assertCustomerAccess(principal, customerId))).toEqual(
      allowed ? undefined : { status: 403, code: 'AUTH.CUSTOMER_FORBIDDEN', message: expect.any(String) },
    );
  });
});

describe(authorize.name, () => {
  it.each([
    ['public, no token', { isPublic: true, roles: undefined }, undefined, undefined],
    ['public, even with roles', { isPublic: true, roles: ['ops'] as const }, undefined, undefined],
    ['private, no token', { isPublic: false, roles: undefined }, undefined, 401],
    ['private, a customer token', { isPublic: false, roles: undefined }, bearer(customer), undefined],
    ['ops only, an ops token', { isPublic: false, roles: ['ops'] as const }, bearer(ops), undefined],
    ['ops only, a customer token', { isPublic: false, roles: ['ops'] as const }, bearer(customer), 403],
    ['ops only, no token', { isPublic: false, roles: ['ops'] as const }, undefined, 401],
    [
      'either role, a customer',
      { isPublic: false, roles: ['ops', 'customer'] as const },
      bearer(customer),
      undefined,
    ],
  ])('%s', (_case, requirements, header, status) => {
    expect(failure(() => authorize(requirements, header, secret))?.status).toBe(status);
  });

  it('answers 403 with the FORBIDDEN code for a missing role', () => {
    expect(
      failure(() => authorize({ isPublic: false, roles: ['ops'] }, bearer(customer), secret)),
    ).toMatchObject({
      code: 'FORBIDDEN',
    });
  });
});

describe(AuthGuard.name, () => {
  @Roles('ops')
  class OpsController {
    run(): void {}
    @Public()
    health(): void {}
  }
  class OpenController {
    @Roles('ops')
    opsOnly(): void {}
    anyone(): void {}
  }

  const config = { ...loadConfig({}), authJwtSecret: secret };
  const guard = new AuthGuard(new Reflector(), config);

  function contextFor(
    controller: new () => object,
    method: string,
    request: AuthenticatedRequest,
    type = 'http',
  ): ExecutionContext {
    const handler = (controller.prototype as Record<string, () => void>)[method];
    return {
      getType: () => type,
      getHandler: () => handler,
      getClass: () => controller,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
  }

  it('leaves the principal on the request for @CurrentPrincipal', () => {
    const request: AuthenticatedRequest = { headers: { authorization: bearer(customer) } };
    const context = contextFor(OpenController, 'anyone', request);
    expect(guard.canActivate(context)).toBe(true);
    expect(principalOf(context)).toEqual(customer);
  });

  it('applies a controller-wide role, overridden by @Public on a method', () => {
    const customerRequest = { headers: { authorization: bearer(customer) } };
    expect(failure(() => guard.canActivate(contextFor(OpsController, 'run', customerRequest)))?.status).toBe(
      403,
    );
    expect(
      guard.canActivate(contextFor(OpsController, 'run', { headers: { authorization: bearer(ops) } })),
    ).toBe(true);
    expect(guard.canActivate(contextFor(OpsController, 'health', { headers: {} }))).toBe(true);
  });

  it('applies a method role', () => {
    const customerRequest = { headers: { authorization: bearer(customer) } };
    expect(
      failure(() => guard.canActivate(contextFor(OpenController, 'opsOnly', customerRequest)))?.status,
    ).toBe(403);
    expect(
      failure(() => guard.canActivate(contextFor(OpenController, 'anyone', { headers: {} })))?.status,
    ).toBe(401);
  });

  it('verifies with the configured secret', () => {
    const request = { headers: { authorization: bearer(ops, 'the-default-secret-is-not-this-one') } };
    expect(failure(() => guard.canActivate(contextFor(OpenController, 'anyone', request)))?.status).toBe(401);
  });

  it('ignores non-HTTP contexts', () => {
    expect(guard.canActivate(contextFor(OpenController, 'anyone', { headers: {} }, 'rpc'))).toBe(true);
  });

  it('refuses @CurrentPrincipal where no token was verified', () => {
    expect(failure(() => principalOf(contextFor(OpsController, 'health', { headers: {} })))?.status).toBe(
      401,
    );
  });
});
