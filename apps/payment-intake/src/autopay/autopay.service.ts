import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { qualifiedTableName } from '@remit/messaging';
import { AutopayEnrolmentEntity } from './autopay-enrolment.entity';

/** Autopay enrolments (docs/architecture.md, flow 3); the runs that pay with them come later. */
@Injectable()
export class AutopayService {
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
}
