import type { FeeEntity } from './fee.entity';
import type { FeeView } from './fee.schema';

export function toFeeView(fee: FeeEntity): FeeView {
  return {
    feeId: fee.feeId,
    customerId: fee.customerId,
    kind: fee.kind,
    amountCents: fee.amountCents,
    invoiceId: fee.invoiceId,
    paymentId: fee.paymentId,
    returnCode: fee.returnCode,
    status: fee.status,
    waivedReason: fee.waivedReason,
    waivedBy: fee.waivedBy,
    waivedAt: fee.waivedAt?.toISOString() ?? null,
    createdAt: fee.createdAt.toISOString(),
  };
}
