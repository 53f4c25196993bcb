import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { REMIT_CONFIG, type RemitConfig } from '../config/remit-config';
import { AppError } from '../errors/app-error';
import { IS_PUBLIC_KEY, ROLES_KEY, type AuthenticatedRequest } from './auth.decorators';
import { tokenPolicyOf, verifyToken, type TokenPolicy } from './jwt';
import type { Principal, Role } from './principal';

/** The decision of the guard, apart from Nest: who may call a route with these requirements. */
export function authorize(
  requirements: { isPublic: boolean; roles: readonly Role[] | undefined },
  authorization: string | string[] | undefined,
  policy: TokenPolicy,
  now: Date = new Date(),
): Principal | undefined {
  if (requirements.isPublic) return undefined;
  const principal = verifyToken(authorization, policy, now);
  if (requirements.roles && requirements.roles.length > 0 && !requirements.roles.includes(principal.role)) {
    throw AppError.forbidden('FORBIDDEN', `this operation needs the ${requirements.roles.join(' or ')} role`);
  }
  return principal;
}

/**
 * Global guard (APP_GUARD): every route needs a valid bearer token unless `@Public()`; `@Roles()`
 * restricts it further. The verified principal is left on the request for `@CurrentPrincipal()`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly policy: TokenPolicy;

  constructor(
    private readonly reflector: Reflector,
    @Inject(REMIT_CONFIG) config: RemitConfig,
  ) {
    this.policy = tokenPolicyOf(config);
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const principal = authorize(
      {
        isPublic: this.reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, targets) === true,
        roles: this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, targets),
      },
      request.headers.authorization,
      this.policy,
    );
    if (principal) request.principal = principal;
    return true;
  }
}
