import { createHmac } from 'node:crypto';
import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../config/remit-config';
import { AppError } from '../errors/app-error';
import { principalOf, Public, Roles, type AuthenticatedRequest } from './auth.decorators';
import { AuthGuard, authorize } from './auth.guard';
import { bearerToken, signToken, tokenPolicyOf, verifyToken, type TokenPolicy } from './jwt';
import { assertCustomerAccess, canActForCustomer, type Principal } from './principal';

const secret = 'unit-test-secret-of-a-decent-length';
const policy: TokenPolicy = { secret, maxLifetimeSeconds: 86_400, clockToleranceSeconds: 30 };
const ops: Principal = { sub: 'ops-1', role: 'ops', customers: [] };
const customer: Principal = { sub: 'user-1', role: 'customer', customers: ['c1', 'c2'] };
const bearer = (principal: Principal, key = secret) => `Bearer ${signToken(principal, key)}`;

/** Tokens with hand-set time claims are verified at this instant, so no rule depends on the machine's clock. */
const NOW = new Date('2026-11-23T15:00:00Z');
const now = NOW.getTime() / 1000;

/**
 * A bearer header signed with `key`: the ops claims issued at NOW for an hour, then `claims` over them;
 * a claim set to `undefined` is left out.
 */
function header(claims: Record<string, unknown> = {}, options: jwt.SignOptions = {}, key = secret): string {
  const payload = Object.fromEntries(
    Object.entries({ ...ops, iat: now, exp: now + 3600, ...claims }).filter(
      ([, value]) => value !== undefined,
    ),
  );
  // jsonwebtoken keeps a given `iat`, and adds one of the machine's clock unless told not to.
  const noTimestamp = payload.iat === undefined;
  return `Bearer ${jwt.sign(payload, key, { algorithm: 'HS256', noTimestamp, ...options })}`;
}

/** An HS256 token signed by hand, for claims jsonwebtoken refuses to sign. */
function handSigned(payload: Record<string, unknown>): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const unsigned = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(payload)}`;
  return `Bearer ${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

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
    expect(verifyToken(bearer(customer), policy)).toEqual(customer);
    expect(verifyToken(`bearer   ${signToken(ops, secret)}`, policy)).toEqual(ops);
    expect(verifyToken(header(), policy, NOW)).toEqual(ops);
  });

  it('defaults a missing customers claim to none', () => {
    expect(verifyToken(header({ customers: undefined }), policy, NOW)).toEqual({
      sub: 'ops-1',
      role: 'ops',
      customers: [],
    });
  });

  it.each([
    ['no header', undefined],
    ['an empty header', ''],
    ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['a bare token', header().slice('Bearer '.length)],
    ['garbage', 'Bearer abc.def.ghi'],
    ['another secret', header({}, {}, 'another-secret-entirely-0123456789')],
    ['an expired token', header({ exp: now - 600 })],
    ['a token not yet valid', header({ nbf: now + 600 })],
    ['alg none', `Bearer ${jwt.sign({ ...ops, iat: now, exp: now + 3600 }, '', { algorithm: 'none' })}`],
    ['HS512', header({}, { algorithm: 'HS512' })],
    ['an unknown role', header({ role: 'admin' })],
    ['no sub', header({ sub: undefined })],
    ['customers not a list', header({ role: 'customer', customers: 'c1' })],
    ['no exp', header({ exp: undefined })],
    ['no exp and no iat', header({ exp: undefined, iat: undefined })],
    ['an iat that is not a number', handSigned({ ...ops, iat: String(now), exp: now + 3600 })],
    ['a lifetime over the cap', header({ exp: now + 86_401 })],
    ['an iat in the future', header({ iat: now + 600 })],
  ])('refuses %s with 401 UNAUTHENTICATED', (_case, authorization) => {
    expect(failure(() => verifyToken(authorization, policy, NOW))).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
    });
  });

  it.each([
    ['has expired', header({ exp: now - 31 }), /has expired/],
    ['is not valid yet', header({ nbf: now + 31 }), /not valid yet/],
    ['has no exp', header({ exp: undefined }), /no expiry \(exp\)/],
    ['lives longer than the cap (exp - iat)', header({ exp: now + 86_401 }), /lifetime exceeds the 86400 s/],
    [
      'lives longer than the cap from now, without iat',
      header({ iat: undefined, exp: now + 86_400 + 31 }),
      /lifetime exceeds the 86400 s/,
    ],
    ['claims to be issued in the future', header({ iat: now + 31 }), /issued in the future/],
  ])('says when a token %s', (_case, authorization, message) => {
    expect(failure(() => verifyToken(authorization, policy, NOW))?.message).toMatch(message);
  });

  it.each([
    ['expired within the clock tolerance', header({ exp: now - 29 })],
    ['not yet valid within the clock tolerance', header({ nbf: now + 29 })],
    ['issued ahead of our clock within the tolerance', header({ iat: now + 30, exp: now + 3630 })],
    ['living exactly the cap', header({ exp: now + 86_400 })],
    [
      'without iat, living the cap plus the tolerance from now',
      header({ iat: undefined, exp: now + 86_430 }),
    ],
    ['issued long ago, expiring soon', header({ iat: now - 86_000, exp: now + 100 })],
  ])('accepts a token %s', (_case, authorization) => {
    expect(verifyToken(authorization, policy, NOW)).toEqual(ops);
  });

  it('caps the lifetime at the configured maximum', () => {
    const hour = { ...policy, maxLifetimeSeconds: 3600 };
    expect(verifyToken(header({ exp: now + 3600 }), hour, NOW)).toEqual(ops);
    expect(failure(() => verifyToken(header({ exp: now + 3601 }), hour, NOW))?.message).toMatch(
      /lifetime exceeds the 3600 s/,
    );
  });

  it('applies the configured clock tolerance, down to none', () => {
    const strict = { ...policy, clockToleranceSeconds: 0 };
    expect(failure(() => verifyToken(header({ exp: now - 1 }), strict, NOW))?.message).toMatch(/expired/);
    expect(failure(() => verifyToken(header({ iat: now + 1 }), strict, NOW))?.message).toMatch(/future/);
  });

  describe('tokens verified before (kept by their text)', () => {
    it('refuses a kept token once it has expired, with the tolerance', () => {
      const kept = { ...policy, clockToleranceSeconds: 30 };
      const token = header({ exp: now + 60 });
      expect(verifyToken(token, kept, NOW)).toEqual(ops);
      expect(verifyToken(token, kept, new Date((now + 89) * 1000))).toEqual(ops);
      expect(failure(() => verifyToken(token, kept, new Date((now + 90) * 1000)))?.message).toMatch(
        /expired/,
      );
    });

    it('refuses a kept token under a policy whose secret differs', () => {
      const token = header();
      expect(verifyToken(token, { ...policy }, NOW)).toEqual(ops);
      expect(
        failure(() => verifyToken(token, { ...policy, secret: 'another-secret-of-decent-length' }, NOW))
          ?.status,
      ).toBe(401);
    });

    it('refuses a kept token before its nbf when asked for an earlier instant', () => {
      const kept = { ...policy, clockToleranceSeconds: 0 };
      const token = header({ nbf: now });
      expect(verifyToken(token, kept, NOW)).toEqual(ops);
      expect(failure(() => verifyToken(token, kept, new Date((now - 1) * 1000)))?.message).toMatch(
        /not valid yet/,
      );
    });

    it('never keeps a refused token', () => {
      const token = header({}, {}, 'not-the-secret-but-long-enough');
      expect(failure(() => verifyToken(token, policy, NOW))?.status).toBe(401);
      expect(failure(() => verifyToken(token, policy, NOW))?.status).toBe(401);
    });
  });

  describe('issuer and audience, when configured', () => {
    const issuer = 'https://auth.remit.example';
    const audience = 'remit-api';
    const bound = { ...policy, issuer, audience };

    it('accepts the configured iss and aud (aud may be a list)', () => {
      expect(verifyToken(header({ iss: issuer, aud: audience }), bound, NOW)).toEqual(ops);
      expect(verifyToken(header({ iss: issuer, aud: ['other', audience] }), bound, NOW)).toEqual(ops);
    });

    it.each([
      ['no iss', header({ aud: audience }), /expected issuer/],
      ['another iss', header({ iss: 'https://evil.example', aud: audience }), /expected issuer/],
      ['no aud', header({ iss: issuer }), /this audience/],
      ['another aud', header({ iss: issuer, aud: 'portal' }), /this audience/],
    ])('refuses %s, without quoting what it expected', (_case, authorization, message) => {
      const refused = failure(() => verifyToken(authorization, bound, NOW));
      expect(refused).toMatchObject({ status: 401, code: 'UNAUTHENTICATED', message });
      expect(refused?.message).not.toContain(issuer);
      expect(refused?.message).not.toContain(audience);
    });

    it('ignores iss and aud where none is configured', () => {
      expect(verifyToken(header({ iss: 'anyone', aud: 'anything' }), policy, NOW)).toEqual(ops);
    });
  });

  it('reads the first of repeated headers', () => {
    expect(bearerToken(['Bearer aaa.bbb.ccc', 'Bearer other'])).toBe('aaa.bbb.ccc');
  });
});

describe(tokenPolicyOf.name, () => {
  it('takes the secret and the auth settings of the configuration', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      AUTH_JWT_ISSUER: 'iss',
      AUTH_TOKEN_MAX_LIFETIME_SECONDS: '60',
    });
    expect(tokenPolicyOf(config)).toEqual({
      secret: config.authJwtSecret,
      maxLifetimeSeconds: 60,
      clockToleranceSeconds: 30,
      issuer: 'iss',
    });
  });
});

describe(signToken.name, () => {
  it('signs HS256 with the three claims, iat and an expiry', () => {
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

  it('expires in an hour by default, within the default cap', () => {
    const payload = jwt.decode(signToken(ops, secret)) as Record<string, number>;
    expect(payload.exp - payload.iat).toBe(3600);
  });

  it('adds iss and aud when asked, so that a bound policy accepts the token', () => {
    const token = signToken(ops, secret, { issuer: 'iss', audience: 'aud' });
    expect(jwt.decode(token)).toMatchObject({ iss: 'iss', aud: 'aud' });
    expect(verifyToken(`Bearer ${token}`, { ...policy, issuer: 'iss', audience: 'aud' })).toEqual(ops);
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
  ])('%s', (_case, requirements, authorization, status) => {
    expect(failure(() => authorize(requirements, authorization, policy))?.status).toBe(status);
  });

  it('answers 403 with the FORBIDDEN code for a missing role', () => {
    expect(
      failure(() => authorize({ isPublic: false, roles: ['ops'] }, bearer(customer), policy)),
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

  const config = { ...loadConfig({ NODE_ENV: 'test' }), authJwtSecret: secret };
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

  it('verifies with the configured lifetime cap and issuer', () => {
    const bound = new AuthGuard(new Reflector(), {
      ...config,
      auth: { maxLifetimeSeconds: 3600, clockToleranceSeconds: 30, issuer: 'https://auth.remit.example' },
    });
    const request = (token: string) => ({ headers: { authorization: `Bearer ${token}` } });
    const issuer = 'https://auth.remit.example';
    expect(
      bound.canActivate(contextFor(OpenController, 'anyone', request(signToken(ops, secret, { issuer })))),
    ).toBe(true);
    for (const token of [signToken(ops, secret, { issuer, expiresIn: '2h' }), signToken(ops, secret)]) {
      expect(
        failure(() => bound.canActivate(contextFor(OpenController, 'anyone', request(token)))),
      ).toMatchObject({ status: 401 });
    }
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
