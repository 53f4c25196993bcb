import {
  createParamDecorator,
  Inject,
  Injectable,
  SetMetadata,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import jwt from 'jsonwebtoken';
import { z } from 'zod';
import { REMIT_CONFIG, type RemitConfig } from './config';
import { AppError } from './errors';

export type Role = 'customer' | 'ops';

/** Who is calling (DESIGN.md: claims `sub`, `role`, `customers`). */
export interface Principal {
  sub: string;
  role: Role;
  customers: string[];
}

const claimsSchema = z.object({
  sub: z.string().min(1),
  role: z.enum(['customer', 'ops']),
  customers: z.array(z.string()).default([]),
});

export function signToken(
  claims: Principal,
  secret: string,
  options: { expiresIn?: number | `${number}${'s' | 'm' | 'h' | 'd'}` } = {},
): string {
  return jwt.sign(claims, secret, { algorithm: 'HS256', expiresIn: options.expiresIn ?? '1h' });
}

/** Verifies an HS256 bearer token; anything else (other algorithms, bad claims, expiry) is 401. */
export function verifyToken(authorization: string | undefined, secret: string): Principal {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) throw AppError.unauthorized();
  let payload: unknown;
  try {
    payload = jwt.verify(match[1], secret, { algorithms: ['HS256'] });
  } catch (error) {
    throw AppError.unauthorized(`invalid token: ${(error as Error).message}`);
  }
  const claims = claimsSchema.safeParse(payload);
  if (!claims.success) throw AppError.unauthorized('the token lacks the sub, role or customers claims');
  return claims.data;
}

/** Ops act for any customer; a customer user only for the customers its token names. */
export function assertCustomerAccess(principal: Principal, customerId: string): void {
  if (principal.role === 'ops' || principal.customers.includes(customerId)) return;
  throw AppError.forbidden('AUTH.CUSTOMER_FORBIDDEN', `this token may not act for customer ${customerId}`);
}

const IS_PUBLIC = 'remit:public';
const ROLES = 'remit:roles';
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
export const Roles = (...roles: Role[]): MethodDecorator & ClassDecorator => SetMetadata(ROLES, roles);

interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

/** Global guard: 401 without a valid token, 403 when the route's roles exclude the caller. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const principal = verifyToken(Array.isArray(header) ? header[0] : header, this.config.authJwtSecret);
    request.principal = principal;
    const roles = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES, targets);
    if (roles && !roles.includes(principal.role)) {
      throw AppError.forbidden('FORBIDDEN', `this operation needs the ${roles.join(' or ')} role`);
    }
    return true;
  }
}

export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => {
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw AppError.unauthorized();
    return principal;
  },
);
