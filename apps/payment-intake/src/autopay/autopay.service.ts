import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { qualifiedTableName } from '@remit/messaging';
import { AppError, assertCustomerAccess, parseWith, type Principal } from '@remit/platform';
import { PaymentMethodsService } from '../payment-methods/payment-methods.service';
import { AutopayEnrolmentEntity, type AutopayStatus } from './autopay-enrolment.entity';
import { autopayRequestSchema } from './autopay-request.schema';

export interface AutopayView {
  customerId: string;
  paymentMethodId: string;
  daysBeforeDue: number;
  status: AutopayStatus;
  suspendedReason?: string;
}

function toAutopayView(enrolment: AutopayEnrolmentEntity): AutopayView {
  return {
    customerId: enrolment.customerId,
    paymentMethodId: enrolment.paymentMethodId,
    daysBeforeDue: enrolment.daysBeforeDue,
    status: enrolment.status,
    ...(enrolment.suspendedReason ? { suspendedReason: enrolment.suspendedReason } : {}),
  };
}

/** Autopay enrolments (docs/architecture.md, flow 3); the runs that pay with them come later. */
@Injectable()
export class AutopayService {
  private readonly logger = new Logger(AutopayService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly paymentMethods: PaymentMethodsService,
  ) {}

  /** Enrols (or re-enrols) the customer with a saved method: one enrolment per customer. */
  async enrol(manager: EntityManager, customerId: string, paymentMethodId: string): Promise<void> {
    await manager.query(
      `INSERT INTO ${qualifiedTableName(manager.connection, AutopayEnrolmentEntity)}
         (customer_id, payment_method_id, days_before_due, status)
       VALUES ($1, $2, 0, 'active')
       ON CONFLICT (customer_id) DO UPDATE
         SET payment_method_id = EXCLUDED.payment_method_id, status = 'active',
             suspended_reason = NULL, updated_at = now()`,
      [customerId, paymentMethodId],
    );
  }

  async get(principal: Principal, customerId: string): Promise<AutopayView> {
    assertCustomerAccess(principal, customerId);
    const enrolment = await this.dataSource.getRepository(AutopayEnrolmentEntity).findOneBy({ customerId });
    if (!enrolment)
      throw AppError.notFound('AUTOPAY.NOT_ENROLLED', `${customerId} is not enrolled in autopay`);
    return toAutopayView(enrolment);
  }

  /** PUT: enrols with one of the customer's active saved methods (422 for any other). */
  async put(principal: Principal, customerId: string, rawBody: unknown): Promise<AutopayView> {
    assertCustomerAccess(principal, customerId);
    const { paymentMethodId } = parseWith(autopayRequestSchema, rawBody);
    return this.dataSource.transaction(async (manager) => {
      await this.paymentMethods.usable(manager, customerId, paymentMethodId, 'paymentMethodId');
      await this.enrol(manager, customerId, paymentMethodId);
      this.logger.log(`customer ${customerId} enrolled in autopay with ${paymentMethodId}`);
      return toAutopayView(await manager.findOneByOrFail(AutopayEnrolmentEntity, { customerId }));
    });
  }

  /** DELETE: no enrolment afterwards, whether there was one or not. */
  async remove(principal: Principal, customerId: string): Promise<void> {
    assertCustomerAccess(principal, customerId);
    await this.dataSource.getRepository(AutopayEnrolmentEntity).delete({ customerId });
  }
}
