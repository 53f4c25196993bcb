import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { qualifiedTableName } from '@remit/messaging';
import { AppError, assertCustomerAccess, parseWith, type Principal } from '@remit/platform';
import { PaymentMethodEntity } from '../payment-methods/payment-method.entity';
import { PaymentMethodsService } from '../payment-methods/payment-methods.service';
import { AutopayEnrolmentEntity, type AutopayStatus } from './autopay-enrolment.entity';
import { enrolAutopaySchema } from './autopay-request.schema';

/** GET|PUT /v1/customers/{id}/autopay: the enrolment, with the last 4 digits of its account. */
export interface AutopayEnrolmentView {
  customerId: string;
  paymentMethodId: string;
  last4: string | null;
  daysBeforeDue: number;
  status: AutopayStatus;
  suspendedReason?: string;
  updatedAt: string;
}

/**
 * Autopay enrolments (docs/architecture.md, flow 3): one per customer, on an active saved method of
 * that customer, `daysBeforeDue` business days (0–10) before each due date. Also set by an `ach`
 * payment with `autopay: true`.
 */
@Injectable()
export class AutopayService {
  private readonly logger = new Logger(AutopayService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly paymentMethods: PaymentMethodsService,
  ) {}

  /** Enrols (or re-enrols) the customer with a saved method: one enrolment per customer. */
  async enrol(
    manager: EntityManager,
    customerId: string,
    paymentMethodId: string,
    daysBeforeDue?: number,
  ): Promise<void> {
    await manager.query(
      `INSERT INTO ${qualifiedTableName(manager.connection, AutopayEnrolmentEntity)}
         (customer_id, payment_method_id, days_before_due, status)
       VALUES ($1, $2, COALESCE($3::integer, 0), 'active')
       ON CONFLICT (customer_id) DO UPDATE
         SET payment_method_id = EXCLUDED.payment_method_id, status = 'active',
             days_before_due = COALESCE($3::integer, ${qualifiedTableName(manager.connection, AutopayEnrolmentEntity)}.days_before_due),
             suspended_reason = NULL, updated_at = now()`,
      [customerId, paymentMethodId, daysBeforeDue ?? null],
    );
  }

  async get(principal: Principal, customerId: string): Promise<AutopayEnrolmentView> {
    assertCustomerAccess(principal, customerId);
    const view = await this.view(this.dataSource.manager, customerId);
    if (!view) throw notEnrolled(customerId);
    return view;
  }

  /** PUT: only an active saved method of this customer qualifies (422 naming `paymentMethodId`). */
  async put(principal: Principal, customerId: string, rawBody: unknown): Promise<AutopayEnrolmentView> {
    assertCustomerAccess(principal, customerId);
    const request = parseWith(enrolAutopaySchema, rawBody);
    return this.dataSource.transaction(async (manager) => {
      const method = await this.paymentMethods.usable(
        manager,
        customerId,
        request.paymentMethodId,
        'paymentMethodId',
      );
      await this.enrol(manager, customerId, method.paymentMethodId, request.daysBeforeDue);
      this.logger.log(
        `customer ${customerId} enrolled in autopay with method ${method.paymentMethodId} ending ${method.last4}, ${request.daysBeforeDue} business day(s) before due`,
      );
      const view = await this.view(manager, customerId);
      if (!view) throw notEnrolled(customerId);
      return view;
    });
  }

  async remove(principal: Principal, customerId: string): Promise<void> {
    assertCustomerAccess(principal, customerId);
    const deleted = await this.dataSource.getRepository(AutopayEnrolmentEntity).delete({ customerId });
    if (!deleted.affected) throw notEnrolled(customerId);
    this.logger.log(`customer ${customerId} left autopay`);
  }

  private async view(manager: EntityManager, customerId: string): Promise<AutopayEnrolmentView | null> {
    const enrolment = await manager.findOneBy(AutopayEnrolmentEntity, { customerId });
    if (!enrolment) return null;
    const method = await manager.findOneBy(PaymentMethodEntity, {
      paymentMethodId: enrolment.paymentMethodId,
    });
    return {
      customerId,
      paymentMethodId: enrolment.paymentMethodId,
      last4: method?.last4 ?? null,
      daysBeforeDue: enrolment.daysBeforeDue,
      status: enrolment.status,
      ...(enrolment.suspendedReason ? { suspendedReason: enrolment.suspendedReason } : {}),
      updatedAt: enrolment.updatedAt.toISOString(),
    };
  }
}

function notEnrolled(customerId: string): AppError {
  return AppError.notFound('AUTOPAY.NOT_ENROLLED', `customer ${customerId} is not enrolled in autopay`);
}
