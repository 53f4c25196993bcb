import { z } from 'zod';

const positiveCents = z.number().int('integer cents').safe().positive();

export const achMethodSchema = z.object({
  type: z.literal('ach'),
  routingNumber: z.string().regex(/^\d{9}$/, 'a 9-digit routing number'),
  accountNumber: z.string().regex(/^\d{4,17}$/, 'a checking account number of 4 to 17 digits'),
  accountNumberConfirmation: z.string(),
  accountHolderName: z.string().trim().min(1).max(22).optional(),
  remember: z.boolean().optional(),
  autopay: z.boolean().optional(),
});

export const paymentMethodSchema = z.discriminatedUnion('type', [
  achMethodSchema,
  z.object({ type: z.literal('saved'), paymentMethodId: z.string().min(1) }),
  z.object({ type: z.literal('card'), cardToken: z.string().min(1).max(200) }),
  z.object({ type: z.literal('check') }),
  z.object({ type: z.literal('wire') }),
]);

/** Bounds the work (and the row locks) of one payment; a portal selects far fewer. */
export const MAX_INVOICES_PER_PAYMENT = 100;

export const submitPaymentSchema = z
  .object({
    customerId: z.string().min(1),
    invoices: z
      .array(z.object({ invoiceId: z.string().uuid('an invoice id'), amountCents: positiveCents.optional() }))
      .min(1, 'select at least one invoice')
      .max(MAX_INVOICES_PER_PAYMENT, `a payment carries at most ${MAX_INVOICES_PER_PAYMENT} invoices`),
    method: paymentMethodSchema,
  })
  .superRefine((request, ctx) => {
    const ids = request.invoices.map((invoice) => invoice.invoiceId);
    if (new Set(ids).size !== ids.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['invoices'],
        message: 'an invoice is selected twice',
      });
    }
    if (
      request.method.type === 'ach' &&
      request.method.accountNumber !== request.method.accountNumberConfirmation
    ) {
      ctx.addIssue({
        code: 'custom',
        path: ['method', 'accountNumberConfirmation'],
        message: 'does not match the account number',
      });
    }
  });

export type SubmitPaymentRequest = z.infer<typeof submitPaymentSchema>;
export type AchMethod = z.infer<typeof achMethodSchema>;
