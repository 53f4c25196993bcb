import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { AppError } from '../errors/app-error';
import { ROLES, type Principal } from './principal';

const claimsSchema = z.object({
  sub: z.string().min(1),
  role: z.enum(ROLES),
  customers: z.array(z.string().min(1)).default([]),
});

export interface SignTokenOptions {
  /** Seconds, or a vercel/ms span such as `'1h'`, `'12h'`, `'7d'`. Default one hour. */
  expiresIn?: number | `${number}${'s' | 'm' | 'h' | 'd'}`;
}

/** An HS256 bearer token with the Remit claims (tests, scripts, the dev token printer). */
export function signToken(claims: Principal, secret: string, options: SignTokenOptions = {}): string {
  const { sub, role, customers } = claims;
  return jwt.sign({ sub, role, customers }, secret, {
    algorithm: 'HS256',
    expiresIn: options.expiresIn ?? '1h',
  });
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(authorization: string | string[] | undefined): string | undefined {
  const header = Array.isArray(authorization) ? authorization[0] : authorization;
  const match = /^Bearer\s+([A-Za-z0-9\-_.]+)\s*$/i.exec(header ?? '');
  return match?.[1];
}

/**
 * Verifies an `Authorization` header: HS256 only (no `none`, no RS/HS confusion), not expired, and
 * carrying well-formed `sub`, `role` and `customers` claims. Anything else is 401 `UNAUTHENTICATED`.
 */
export function verifyToken(authorization: string | string[] | undefined, secret: string): Principal {
  const token = bearerToken(authorization);
  if (!token) throw AppError.unauthorized();
  let payload: unknown;
  try {
    payload = jwt.verify(token, secret, { algorithms: ['HS256'] });
  } catch (error) {
    const reason =
      error instanceof jwt.TokenExpiredError ? 'the token has expired' : 'the token is not valid';
    throw AppError.unauthorized(reason);
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw AppError.unauthorized('the token lacks valid sub, role or customers claims');
  return claims.data;
}
