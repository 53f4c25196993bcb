import type { ReceiptType } from './receipt.schema';

/** A receipt as ops see it: what arrived, and what it did (posted a payment, or became credit). */
export interface ReceiptView {
  receiptId: string;
  type: ReceiptType;
  reference: string;
  customerId: string;
  amountCents: number;
  /** `matched`: it posted `paymentId`. `unmatched`: `receipt.unmatched`, which invoice turns into credit. */
  outcome: 'matched' | 'unmatched';
  paymentId: string | null;
  businessDate: string;
  receivedAt: string;
}

export interface ReceiptRow {
  receipt_id: string;
  type: ReceiptType;
  reference: string;
  customer_id: string;
  amount_cents: string | number;
  outcome: 'matched' | 'unmatched';
  payment_id: string | null;
  business_date: string;
  received_at: Date;
}

export function toReceiptView(row: ReceiptRow): ReceiptView {
  return {
    receiptId: row.receipt_id,
    type: row.type,
    reference: row.reference,
    customerId: row.customer_id,
    amountCents: Number(row.amount_cents),
    outcome: row.outcome,
    paymentId: row.payment_id,
    businessDate: row.business_date,
    receivedAt: row.received_at.toISOString(),
  };
}
