import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { AppError } from '../errors/app-error';
import type { Principal, Role } from './principal';

export const IS_PUBLIC_KEY = 'remit:auth:public';
export const ROLES_KEY = 'remit:auth:roles';

/** The route (or controller) needs no token: health, docs. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/** Only these roles may call the route (or controller); others get 403 `FORBIDDEN`. */
export const Roles = (...roles: [Role, ...Role[]]): MethodDecorator & ClassDecorator =>
  SetMetadata(ROLES_KEY, roles);

/** The request as the guard leaves it. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

export function principalOf(context: ExecutionContext): Principal {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  // Only on a @Public() route, where asking for the caller is a programming error.
  if (!principal) throw AppError.unauthorized();
  return principal;
}

/** `@CurrentPrincipal() principal: Principal` — the verified caller `{sub, role, customers}`. */
export const CurrentPrincipal = createParamDecorator((_data: unknown, context: ExecutionContext): Principal =>
  principalOf(context),
);
