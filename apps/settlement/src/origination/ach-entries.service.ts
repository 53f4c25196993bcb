import { Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { EventRefused } from '@remit/messaging';
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
    const inserted = await manager
      .createQueryBuilder()
      .insert()
      .into(AchEntryEntity)
      .values({
        paymentId: payment.paymentId,
        customerId: payment.customerId,
        amountCents: payment.amountCents,
        methodType: method.type,
        last4: method.last4 ?? null,
        paymentMethodId: method.paymentMethodId ?? null,
        routingNumber: method.bankAccount.routingNumber,
        accountNumberCiphertext: method.bankAccount.accountNumberCiphertext,
        keyId: method.bankAccount.keyId,
        accountHolderName: method.accountHolderName ?? null,
        businessDate: payment.businessDate,
        status: 'pending',
        fileId: null,
        traceNumber: null,
        correlationId: event.correlationid,
      })
      .orIgnore()
      .returning(['payment_id'])
      .execute();
    if ((inserted.raw as unknown[]).length > 0) {
      this.logger.log(
        `payment ${payment.paymentId}: ACH debit of ${payment.amountCents} cents queued for ${payment.businessDate}'s file`,
      );
    }
  }
}
