import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { EventRefused, qualifiedTableName } from '@remit/messaging';
import { AchEntryEntity } from './ach-entry.entity';

/** Item 1 of ACH origination: the bank data of a submitted ach or saved payment, kept as ciphertext. */
@Injectable()
export class AchEntriesService {
  private readonly logger = new Logger(AchEntriesService.name);

  /**
   * Records the entry in the caller's transaction (the inbox's, with the payment's schedule). Other
   * methods are not ACH debits; an ach or saved payment without a bank account is refused (dead
   * letter), since it could never be originated.
   */
  async record(event: CloudEvent<'payment.submitted'>, manager: EntityManager): Promise<void> {
    const payment = event.data;
    const method = payment.method;
    if (method.type !== 'ach' && method.type !== 'saved') return;
    if (!method.bankAccount) {
      throw new EventRefused(
        'SETTLEMENT.BANK_ACCOUNT_MISSING',
        `payment ${payment.paymentId}: a ${method.type} payment without method.bankAccount cannot be originated`,
      );
    }
    // Plain SQL: this runs for every ACH payment, and TypeORM's insert builder cost more than it.
    const inserted = await manager.query<unknown[]>(
      `INSERT INTO ${qualifiedTableName(manager.connection, AchEntryEntity)}
              (payment_id, customer_id, amount_cents, method_type, last4, payment_method_id, routing_number,
               account_number_ciphertext, key_id, account_holder_name, business_date, status, correlation_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'pending', $12)
       ON CONFLICT DO NOTHING
       RETURNING payment_id`,
      [
        payment.paymentId,
        payment.customerId,
        payment.amountCents,
        method.type,
        method.last4 ?? null,
        method.paymentMethodId ?? null,
        method.bankAccount.routingNumber,
        method.bankAccount.accountNumberCiphertext,
        method.bankAccount.keyId,
        method.accountHolderName ?? null,
        payment.businessDate,
        event.correlationid,
      ],
    );
    if (inserted.length > 0) {
      this.logger.log(
        `payment ${payment.paymentId}: ACH debit of ${payment.amountCents} cents queued for ${payment.businessDate}'s file`,
      );
    }
  }
}
