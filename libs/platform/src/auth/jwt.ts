import { createSecretKey, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import type { RemitConfig } from '../config/remit-config';
import { AppError } from '../errors/app-error';
import { ROLES, type Principal } from './principal';

const claimsSchema = z.object({
  sub: z.string().min(1),
  role: z.enum(ROLES),
  customers: z.array(z.string().min(1)).default([]),
});

/**
 * What a bearer token must satisfy beyond its HS256 signature (docs/architecture.md, "Authentication"):
 * an `exp`, a lifetime of at most `maxLifetimeSeconds`, and the configured `iss` and `aud` when set.
 */
export interface TokenPolicy {
  secret: string;
  maxLifetimeSeconds: number;
  /** Clock skew allowed between the issuer and this service, for `exp`, `nbf` and `iat`. */
  clockToleranceSeconds: number;
  issuer?: string;
  audience?: string;
}

/** The token policy of a service's configuration (`AUTH_JWT_SECRET`, `AUTH_TOKEN_MAX_LIFETIME_SECONDS`, …). */
export function tokenPolicyOf(config: Pick<RemitConfig, 'authJwtSecret' | 'auth'>): TokenPolicy {
  return {
    secret: config.authJwtSecret,
    maxLifetimeSeconds: config.auth.maxLifetimeSeconds,
    clockToleranceSeconds: config.auth.clockToleranceSeconds,
    ...(config.auth.issuer !== undefined ? { issuer: config.auth.issuer } : {}),
    ...(config.auth.audience !== undefined ? { audience: config.auth.audience } : {}),
  };
}

export interface SignTokenOptions {
  /** Seconds, or a vercel/ms span such as `'1h'`, `'12h'`, `'7d'`. Default one hour. */
  expiresIn?: number | `${number}${'s' | 'm' | 'h' | 'd'}`;
  /** `iss`: needed where `AUTH_JWT_ISSUER` is set. */
  issuer?: string;
  /** `aud`: needed where `AUTH_JWT_AUDIENCE` is set. */
  audience?: string;
}

/**
 * An HS256 bearer token with the Remit claims, `iat` and `exp` (tests, scripts, the dev token
 * printer). Keep `expiresIn` within `AUTH_TOKEN_MAX_LIFETIME_SECONDS` (24 h by default), or the
 * services refuse the token.
 */
export function signToken(claims: Principal, secret: string, options: SignTokenOptions = {}): string {
  const { sub, role, customers } = claims;
  return jwt.sign({ sub, role, customers }, secret, {
    algorithm: 'HS256',
    expiresIn: options.expiresIn ?? '1h',
    ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
    ...(options.audience !== undefined ? { audience: options.audience } : {}),
  });
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = /^Bearer\s+([A-Za-z0-9\-_.]+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/** Why jsonwebtoken refused a token, in words that quote neither the token nor the expected values. */
function refusal(error: unknown): string {
  if (error instanceof jwt.TokenExpiredError) return 'the token has expired';
  if (error instanceof jwt.NotBeforeError) return 'the token is not valid yet';
  const message = error instanceof Error ? error.message : '';
  if (message.startsWith('jwt issuer invalid')) return 'the token was not issued by the expected issuer';
  if (message.startsWith('jwt audience invalid')) return 'the token is not meant for this audience';
  return 'the token is not valid';
}

/**
 * The HS256 secret as a KeyObject, built once per secret: given a string, jsonwebtoken first tries
 * (and fails) to parse it as a public key on every verification, which cost more than the HMAC.
 */
let cachedKey: { secret: string; key: KeyObject } | undefined;
function secretKeyOf(secret: string): KeyObject | string {
  // An empty secret stays a string, which jsonwebtoken refuses (fails closed).
  if (secret === '') return secret;
  if (cachedKey?.secret !== secret) cachedKey = { secret, key: createSecretKey(Buffer.from(secret)) };
  return cachedKey.key;
}

function isSeconds(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/**
 * Refuses a token that would stay valid too long, failing closed: no `exp` means forever. The
 * lifetime is `exp - iat` when the issuer says when it signed (both from its clock, so skew does not
 * matter), else `exp - now`, where the issuer's clock may run ahead of ours by the tolerance.
 */
function assertLifetime(payload: unknown, policy: TokenPolicy, nowSeconds: number): void {
  const { exp, iat } = (typeof payload === 'object' && payload !== null ? payload : {}) as {
    exp?: unknown;
    iat?: unknown;
  };
  if (exp === undefined) throw AppError.unauthorized('the token has no expiry (exp)');
  // jsonwebtoken checks the type of `exp` and `nbf`, not of `iat`.
  if (!isSeconds(exp) || (iat !== undefined && !isSeconds(iat))) {
    throw AppError.unauthorized('the token is not valid');
  }
  if (iat !== undefined && iat > nowSeconds + policy.clockToleranceSeconds) {
    // Otherwise a token issued "in the future" would pass `exp - iat` with any lifetime from now.
    throw AppError.unauthorized('the token was issued in the future');
  }
  const lifetime = iat !== undefined ? exp - iat : exp - nowSeconds;
  const allowed =
    iat !== undefined ? policy.maxLifetimeSeconds : policy.maxLifetimeSeconds + policy.clockToleranceSeconds;
  if (lifetime > allowed) {
    throw AppError.unauthorized(
      `the token's lifetime exceeds the ${policy.maxLifetimeSeconds} s allowed; ask for a shorter-lived token`,
    );
  }
}

/**
 * Verifies an `Authorization` header, failing closed: HS256 only (no `none`, no RS/HS confusion),
 * an `exp` that has not passed and a lifetime within the policy's cap (both with the policy's clock
 * tolerance), the policy's `iss` and `aud` when it names them, and well-formed `sub`, `role` and
 * `customers` claims. Anything else is 401 `UNAUTHENTICATED` with a message saying which rule failed.
 *
 * `now` is real time, not the platform `Clock`: a frozen test clock must not revive expired tokens.
 */
export function verifyToken(
  authorization: string | string[] | undefined,
  policy: TokenPolicy,
  now: Date = new Date(),
): Principal {
  const token = bearerToken(authorization);
  if (!token) throw AppError.unauthorized();
  const nowSeconds = Math.floor(now.getTime() / 1000);
  const cached = verifiedTokensOf(policy).get(token);
  if (cached) {
    // The signature, issuer, audience and claims of these exact bytes were checked already; only
    // the rules that depend on the time are checked again.
    assertStillValid(cached.payload, policy, nowSeconds);
    return cached.principal;
  }
  let payload: unknown;
  try {
    payload = jwt.verify(token, secretKeyOf(policy.secret), {
      algorithms: ['HS256'],
      clockTolerance: policy.clockToleranceSeconds,
      clockTimestamp: nowSeconds,
      ...(policy.issuer !== undefined ? { issuer: policy.issuer } : {}),
      ...(policy.audience !== undefined ? { audience: policy.audience } : {}),
    });
  } catch (error) {
    throw AppError.unauthorized(refusal(error));
  }
  assertLifetime(payload, policy, nowSeconds);
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw AppError.unauthorized('the token lacks valid sub, role or customers claims');
  remember(policy, token, { payload: payload as TimedClaims, principal: claims.data });
  return claims.data;
}

/** The time claims of a verified token (`assertLifetime` has checked `exp` and `iat` are numbers). */
interface TimedClaims {
  exp: number;
  nbf?: number;
  iat?: number;
}

/**
 * Tokens already verified under a policy, by their exact text: a client sends the same token with
 * every request until it expires, and verifying it (an HMAC, JSON and base64 decoding, the claims'
 * schema) was a tenth of the cost of a request (docs/performance.md). Bounded; the oldest go first.
 * A refused token is never kept, and a kept one is still refused once it expires.
 */
export const VERIFIED_TOKEN_CACHE_SIZE = 1_000;
type VerifiedTokens = Map<string, { payload: TimedClaims; principal: Principal }>;
const verifiedTokens = new WeakMap<TokenPolicy, VerifiedTokens>();

function verifiedTokensOf(policy: TokenPolicy): VerifiedTokens {
  let tokens = verifiedTokens.get(policy);
  if (!tokens) {
    tokens = new Map() as VerifiedTokens;
    verifiedTokens.set(policy, tokens);
  }
  return tokens;
}

function remember(
  policy: TokenPolicy,
  token: string,
  entry: { payload: TimedClaims; principal: Principal },
): void {
  const tokens = verifiedTokensOf(policy);
  if (tokens.size >= VERIFIED_TOKEN_CACHE_SIZE) tokens.delete(tokens.keys().next().value as string);
  tokens.set(token, entry);
}

/** jsonwebtoken's time rules (`exp`, `nbf`, with the tolerance) and the lifetime cap, for `now`. */
function assertStillValid(payload: TimedClaims, policy: TokenPolicy, nowSeconds: number): void {
  if (nowSeconds >= payload.exp + policy.clockToleranceSeconds)
    throw AppError.unauthorized('the token has expired');
  if (payload.nbf !== undefined && payload.nbf > nowSeconds + policy.clockToleranceSeconds)
    throw AppError.unauthorized('the token is not valid yet');
  assertLifetime(payload, policy, nowSeconds);
}
