import { z } from 'zod';
import { achMethodSchema } from '../payments/payment-request.schema';

/** `POST /v1/customers/{customerId}/payment-methods`: a checking account, its number typed twice. */
export const savePaymentMethodSchema = achMethodSchema
  .pick({
    routingNumber: true,
    accountNumber: true,
    accountNumberConfirmation: true,
    accountHolderName: true,
  })
  .superRefine((request, ctx) => {
    if (request.accountNumber !== request.accountNumberConfirmation) {
      ctx.addIssue({
        code: 'custom',
        path: ['accountNumberConfirmation'],
        message: 'does not match the account number',
      });
    }
  });

export type SavePaymentMethodRequest = z.infer<typeof savePaymentMethodSchema>;
