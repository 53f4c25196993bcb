import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, Not, type EntityManager } from 'typeorm';
import { validateRoutingNumber } from '@remit/ach';
import type { CloudEvent } from '@remit/contracts';
import { Outbox, qualifiedTableName } from '@remit/messaging';
import {
  AccountNumberCipher,
  AppError,
  Clock,
  assertCustomerAccess,
  parseWith,
  type Principal,
} from '@remit/platform';
import { AutopayEnrolmentEntity } from '../autopay/autopay-enrolment.entity';
import { findCardNumber } from '../payments/card-number-guard';
import { PaymentEntity } from '../payments/payment.entity';
import { AccountFingerprint } from './account-fingerprint';
import { PaymentMethodEntity } from './payment-method.entity';
import { savePaymentMethodSchema } from './payment-method-request.schema';
import { toPaymentMethodView, type PaymentMethodView } from './payment-method.view';

export interface BankAccountInput {
  routingNumber: string;
  accountNumber: string;
  accountHolderName?: string;
}

/** Refuses a routing number that fails the ABA check digit, naming `field`. */
export function assertRoutingNumber(routingNumber: string, field: string): void {
  const routing = validateRoutingNumber(routingNumber);
  if (!routing.valid) {
    throw AppError.unprocessable('PAYMENT.ROUTING_NUMBER_INVALID', 'the bank routing number is not valid', [
      { field, code: routing.rule, message: routing.message },
    ]);
  }
}

/**
 * Saved bank accounts (docs/architecture.md, "payment-intake"): AES-256-GCM bound to the method id,
 * one live method per customer and account (matched by a keyed fingerprint), disabled by an
 * account-level return, corrected by a notification of change.
 */
@Injectable()
export class PaymentMethodsService {
  private readonly logger = new Logger(PaymentMethodsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly cipher: AccountNumberCipher,
    private readonly fingerprint: AccountFingerprint,
  ) {}

  async list(principal: Principal, customerId: string): Promise<PaymentMethodView[]> {
    assertCustomerAccess(principal, customerId);
    const methods = await this.dataSource.getRepository(PaymentMethodEntity).find({
      where: { customerId, status: Not('deleted') },
      order: { createdAt: 'ASC' },
    });
    return methods.map(toPaymentMethodView);
  }

  /** POST: 201 with a new method, 200 with the one already saved for this account. */
  async create(
    principal: Principal,
    customerId: string,
    rawBody: unknown,
  ): Promise<{ status: number; body: PaymentMethodView }> {
    assertCustomerAccess(principal, customerId);
    const cardField = findCardNumber(rawBody);
    if (cardField) {
      throw AppError.unprocessable('PAYMENT.CARD_NUMBER_REJECTED', 'card numbers are not accepted', [
        { field: cardField, code: 'card_number', message: 'looks like a card number' },
      ]);
    }
    const request = parseWith(savePaymentMethodSchema, rawBody);
    assertRoutingNumber(request.routingNumber, 'routingNumber');
    const now = await this.clock.now();
    const saved = await this.dataSource.transaction((manager) =>
      this.save(manager, customerId, request, now),
    );
    return { status: saved.created ? 201 : 200, body: toPaymentMethodView(saved.method) };
  }

  /**
   * Saves an account for a customer, or finds the live method already saved for it; a disabled one
   * is refused (it was disabled for a reason the customer must fix with their bank first).
   */
  async save(
    manager: EntityManager,
    customerId: string,
    account: BankAccountInput,
    now: Date,
    field = 'accountNumber',
  ): Promise<{ method: PaymentMethodEntity; created: boolean }> {
    const fingerprint = this.fingerprint.of(customerId, account.routingNumber, account.accountNumber);
    const paymentMethodId = randomUUID();
    const sealed = this.cipher.encrypt(account.accountNumber, paymentMethodId);
    const last4 = account.accountNumber.slice(-4);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO ${qualifiedTableName(manager.connection, PaymentMethodEntity)}
         (payment_method_id, customer_id, routing_number, last4, account_number_ciphertext,
          encryption_key_id, fingerprint, account_holder_name, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $9)
       ON CONFLICT (customer_id, fingerprint) WHERE status <> 'deleted' DO NOTHING
       RETURNING payment_method_id`,
      [
        paymentMethodId,
        customerId,
        account.routingNumber,
        last4,
        sealed.ciphertext,
        sealed.keyId,
        fingerprint,
        account.accountHolderName ?? null,
        now,
      ],
    );
    if (inserted.length > 0) {
      const method = await manager.findOneByOrFail(PaymentMethodEntity, { paymentMethodId });
      await this.outbox.add(manager, {
        type: 'payment-method.saved',
        customerId,
        subject: paymentMethodId,
        data: {
          paymentMethodId,
          customerId,
          routingNumber: method.routingNumber,
          last4,
          savedAt: now.toISOString(),
        },
      });
      this.logger.log(`customer ${customerId} saved payment method ${paymentMethodId} ending ${last4}`);
      return { method, created: true };
    }
    const existing = await manager.findOneOrFail(PaymentMethodEntity, {
      where: { customerId, fingerprint, status: Not('deleted') },
    });
    if (existing.status === 'disabled') throw disabledError(existing, field);
    return { method: existing, created: false };
  }

  async remove(principal: Principal, customerId: string, paymentMethodId: string): Promise<void> {
    assertCustomerAccess(principal, customerId);
    const now = await this.clock.now();
    await this.dataSource.transaction(async (manager) => {
      const method = await this.findLive(manager, customerId, paymentMethodId, true);
      if (!method) {
        throw AppError.notFound('PAYMENT_METHOD.NOT_FOUND', `payment method ${paymentMethodId} not found`);
      }
      await manager.update(PaymentMethodEntity, { paymentMethodId }, { status: 'deleted' });
      // Autopay cannot run on a removed account.
      await manager.delete(AutopayEnrolmentEntity, { customerId, paymentMethodId });
      await this.outbox.add(manager, {
        type: 'payment-method.disabled',
        customerId,
        subject: paymentMethodId,
        data: {
          paymentMethodId,
          customerId,
          last4: method.last4,
          reason: 'removed by the customer',
          disabledAt: now.toISOString(),
        },
      });
      this.logger.log(`customer ${customerId} removed payment method ${paymentMethodId}`);
    });
  }

  /** The customer's own, active method for a payment; else 422 naming `field` (disabled: with its reason). */
  async usable(
    manager: EntityManager,
    customerId: string,
    paymentMethodId: string,
    field: string,
  ): Promise<PaymentMethodEntity> {
    const method = await this.findLive(manager, customerId, paymentMethodId, false);
    if (!method) {
      throw AppError.unprocessable(
        'PAYMENT.METHOD_NOT_FOUND',
        `payment method ${paymentMethodId} is not a saved method of ${customerId}`,
        [{ field, code: 'not_found', message: 'no such saved payment method for this customer' }],
      );
    }
    if (method.status === 'disabled') throw disabledError(method, field);
    return method;
  }

  /** The method's account number, sealed again for a payment (its ciphertext is bound to the method id). */
  sealForPayment(method: PaymentMethodEntity, paymentId: string): { ciphertext: string; keyId: string } {
    const accountNumber = this.cipher.decrypt(
      method.accountNumberCiphertext,
      method.encryptionKeyId,
      method.paymentMethodId,
    );
    return this.cipher.encrypt(accountNumber, paymentId);
  }

  /** settlement's account-level return (R02, R03, R04, …): the method is disabled and autopay suspended. */
  async onReturned(event: CloudEvent<'payment.returned'>, manager: EntityManager): Promise<void> {
    const data = event.data;
    if (data.returnClass !== 'account-level' && data.returnClass !== 'authorization-revoked') return;
    const paymentMethodId = data.paymentMethodId ?? (await this.methodOfPayment(manager, data.paymentId));
    if (!paymentMethodId) return;
    const reason = `${data.returnCode}: ${data.returnDescription}`;
    if (data.returnClass === 'authorization-revoked') {
      await this.suspendAutopay(manager, data.customerId, paymentMethodId, reason);
      return;
    }
    const method = await manager.findOne(PaymentMethodEntity, {
      where: { paymentMethodId, customerId: data.customerId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!method || method.status !== 'active') return;
    const disabledAt = new Date(data.returnedAt);
    await manager.update(
      PaymentMethodEntity,
      { paymentMethodId },
      { status: 'disabled', disabledAt, disabledReason: reason, returnCode: data.returnCode },
    );
    await this.suspendAutopay(manager, data.customerId, paymentMethodId, reason);
    await this.outbox.add(manager, {
      type: 'payment-method.disabled',
      customerId: data.customerId,
      subject: paymentMethodId,
      correlationId: event.correlationid,
      data: {
        paymentMethodId,
        customerId: data.customerId,
        last4: method.last4,
        reason,
        returnCode: data.returnCode,
        disabledAt: disabledAt.toISOString(),
      },
    });
    this.logger.warn(`payment method ${paymentMethodId} disabled by return ${data.returnCode}`);
  }

  /**
   * A notification of change: the bank's corrected routing and/or account number replace the saved
   * ones. The corrected account arrives bound to the payment id; it is sealed again for the method.
   */
  async onNoticeOfChange(
    event: CloudEvent<'payment.notice-of-change'>,
    manager: EntityManager,
  ): Promise<void> {
    const data = event.data;
    const paymentMethodId = data.paymentMethodId ?? (await this.methodOfPayment(manager, data.paymentId));
    if (!paymentMethodId) return;
    const method = await manager.findOne(PaymentMethodEntity, {
      where: { paymentMethodId, customerId: data.customerId },
      lock: { mode: 'pessimistic_write' },
    });
    if (!method || method.status === 'deleted') return;
    let accountNumber = this.cipher.decrypt(
      method.accountNumberCiphertext,
      method.encryptionKeyId,
      method.paymentMethodId,
    );
    if (data.correctedAccountNumber) {
      const corrected = data.correctedAccountNumber;
      accountNumber = this.cipher.decrypt(corrected.ciphertext, corrected.keyId, data.paymentId);
    }
    const routingNumber = data.correctedRoutingNumber ?? method.routingNumber;
    const sealed = this.cipher.encrypt(accountNumber, paymentMethodId);
    await manager.update(
      PaymentMethodEntity,
      { paymentMethodId },
      {
        routingNumber,
        last4: accountNumber.slice(-4),
        accountNumberCiphertext: sealed.ciphertext,
        encryptionKeyId: sealed.keyId,
        fingerprint: this.fingerprint.of(method.customerId, routingNumber, accountNumber),
      },
    );
    this.logger.log(
      `payment method ${paymentMethodId} corrected by notification of change ${data.changeCode}`,
    );
  }

  private async suspendAutopay(
    manager: EntityManager,
    customerId: string,
    paymentMethodId: string,
    reason: string,
  ): Promise<void> {
    await manager.update(
      AutopayEnrolmentEntity,
      { customerId, paymentMethodId, status: 'active' },
      { status: 'suspended', suspendedReason: reason },
    );
  }

  private async methodOfPayment(manager: EntityManager, paymentId: string): Promise<string | null> {
    const rows: { payment_method_id: string | null }[] = await manager.query(
      `SELECT payment_method_id FROM ${qualifiedTableName(manager.connection, PaymentEntity)} WHERE payment_id = $1`,
      [paymentId],
    );
    return rows[0]?.payment_method_id ?? null;
  }

  private async findLive(
    manager: EntityManager,
    customerId: string,
    paymentMethodId: string,
    lock: boolean,
  ): Promise<PaymentMethodEntity | null> {
    if (!/^[0-9a-f-]{36}$/i.test(paymentMethodId)) return null;
    return manager.findOne(PaymentMethodEntity, {
      where: { paymentMethodId, customerId, status: Not('deleted') },
      ...(lock ? { lock: { mode: 'pessimistic_write' as const } } : {}),
    });
  }
}

function disabledError(method: PaymentMethodEntity, field: string): AppError {
  const reason = method.disabledReason ?? 'disabled';
  return AppError.unprocessable(
    'PAYMENT.METHOD_DISABLED',
    `payment method ending ${method.last4} is disabled: ${reason}`,
    [{ field, code: 'disabled', message: reason }],
  );
}
