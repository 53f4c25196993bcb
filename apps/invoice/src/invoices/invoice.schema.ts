import { z } from 'zod';
import { businessDateSchema as businessDate } from '@remit/contracts';

export const createInvoiceSchema = z
  .object({
    invoiceNumber: z.string().trim().min(1).max(64),
    accountNumber: z.string().regex(/^\d{7}$/, 'a 7-digit account number'),
    invoiceDate: businessDate,
    dueDate: businessDate,
    lines: z
      .array(
        z.object({
          description: z.string().trim().min(1).max(500),
          amountCents: z.number().int('integer cents').safe(),
        }),
      )
      .min(1),
  })
  .superRefine((invoice, ctx) => {
    if (invoice.dueDate < invoice.invoiceDate) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['dueDate'],
        message: 'due date is before the invoice date',
      });
    }
    const total = invoice.lines.reduce((sum, line) => sum + line.amountCents, 0);
    if (total <= 0) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['lines'],
        message: 'the invoice total must be positive',
      });
    }
  });
export type CreateInvoiceRequest = z.infer<typeof createInvoiceSchema>;

export const invoiceStatusFilterSchema = z.enum(['open', 'paid', 'all']).default('open');

export interface InvoiceView {
  invoiceId: string;
  invoiceNumber: string;
  customerId: string;
  accountNumber: string;
  invoiceDate: string;
  dueDate: string;
  invoiceAmountCents: number;
  amountDueCents: number;
  status: 'open' | 'paid';
  lines?: { description: string; amountCents: number }[];
}
