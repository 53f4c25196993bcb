import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError, assertCustomerAccess, canActForCustomer, type Principal } from '@remit/platform';
import { PaymentEntity } from './payment.entity';
import { PaymentStatusChangeEntity } from './payment-status-change.entity';
import { toPaymentView, type PaymentView } from './payment.view';

@Injectable()
export class PaymentsQuery {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async get(principal: Principal, paymentId: string): Promise<PaymentView> {
    const payment = /^[0-9a-f-]{36}$/i.test(paymentId)
      ? await this.dataSource.getRepository(PaymentEntity).findOneBy({ paymentId })
      : null;
    // A payment outside the caller's customers is reported as missing, not as forbidden.
    if (!payment || !canActForCustomer(principal, payment.customerId)) {
      throw AppError.notFound('PAYMENT.NOT_FOUND', `payment ${paymentId} not found`);
    }
    const history = await this.dataSource.getRepository(PaymentStatusChangeEntity).find({
      where: { paymentId },
      order: { changeId: 'ASC' },
    });
    return toPaymentView(payment, history);
  }

  async list(principal: Principal, customerId: string): Promise<PaymentView[]> {
    assertCustomerAccess(principal, customerId);
    const payments = await this.dataSource.getRepository(PaymentEntity).find({
      where: { customerId },
      order: { submittedAt: 'DESC' },
      take: 200,
    });
    return payments.map((payment) => toPaymentView(payment));
  }
}
