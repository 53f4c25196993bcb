import { AppError } from '../errors/app-error';

export const ROLES = ['customer', 'ops'] as const;
export type Role = (typeof ROLES)[number];

/** Who is calling: the JWT claims of docs/architecture.md, "Public contract". */
export interface Principal {
  sub: string;
  role: Role;
  /** Customer ids a `customer` may act for (ops act for all). */
  customers: string[];
}

/** Ops may act for any customer; a customer user only for the customers its token names. */
export function canActForCustomer(principal: Principal, customerId: string): boolean {
  return principal.role === 'ops' || principal.customers.includes(customerId);
}

/** Throws 403 `AUTH.CUSTOMER_FORBIDDEN` unless `principal` may act for `customerId`. */
export function assertCustomerAccess(principal: Principal, customerId: string): void {
  if (!canActForCustomer(principal, customerId)) {
    throw AppError.forbidden('AUTH.CUSTOMER_FORBIDDEN', `this token may not act for customer ${customerId}`);
  }
}
