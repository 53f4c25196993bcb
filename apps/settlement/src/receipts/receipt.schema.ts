import { z } from 'zod';

export const receiptTypes = ['check', 'wire'] as const;
export type ReceiptType = (typeof receiptTypes)[number];

/** `POST /v1/settlement/receipts` (docs/architecture.md, "Public contract"): a lockbox or bank receipt. */
export const receiptRequestSchema = z.object({
  type: z.enum(receiptTypes),
  customerId: z.string().trim().min(1).max(100),
  amountCents: z.number().int().positive().safe(),
  /** The lockbox's item or the bank's wire reference: a receipt is recorded once per type and reference. */
  reference: z.string().trim().min(1).max(100),
  paymentId: z.string().uuid().optional(),
});
export type ReceiptRequest = z.infer<typeof receiptRequestSchema>;
