import { z } from 'zod';
import type { FeeKind, FeeStatus } from './fee.entity';

export const waiveFeeSchema = z.object({ reason: z.string().trim().min(1).max(500) });
export type WaiveFeeRequest = z.infer<typeof waiveFeeSchema>;

export interface FeeView {
  feeId: string;
  customerId: string;
  kind: FeeKind;
  amountCents: number;
  invoiceId: string;
  paymentId: string | null;
  returnCode: string | null;
  status: FeeStatus;
  waivedReason: string | null;
  waivedBy: string | null;
  waivedAt: string | null;
  createdAt: string;
}
