import { z } from 'zod';

export const createCustomerSchema = z.object({
  customerId: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore'),
  name: z.string().trim().min(1).max(200),
  email: z.string().trim().email(),
  billingDelivery: z.enum(['email', 'paper']),
  accounts: z
    .array(
      z.object({
        accountNumber: z.string().regex(/^\d{7}$/, 'a 7-digit account number'),
        siteName: z.string().trim().min(1).max(200),
        city: z.string().trim().min(1).max(100),
      }),
    )
    .min(1)
    .refine(
      (accounts) => new Set(accounts.map((a) => a.accountNumber)).size === accounts.length,
      'account numbers must be unique',
    ),
});
export type CreateCustomerRequest = z.infer<typeof createCustomerSchema>;

/** `PATCH /v1/customers/{id}`: a delivery switch affects later invoices only. */
export const updateCustomerSchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    email: z.string().trim().email().optional(),
    billingDelivery: z.enum(['email', 'paper']).optional(),
  })
  .refine((update) => Object.values(update).some((value) => value !== undefined), 'nothing to update');
export type UpdateCustomerRequest = z.infer<typeof updateCustomerSchema>;

export interface CustomerView {
  customerId: string;
  name: string;
  email: string;
  billingDelivery: 'email' | 'paper';
  currentBalanceCents: number;
  pendingPaymentsCents: number;
  creditBalanceCents: number;
  dueBy: string | null;
  accounts: { accountNumber: string; siteName: string; city: string }[];
}
