import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { businessDateOf, postingDate } from '@remit/calendar';
import type { EventData, PaymentMethodType } from '@remit/contracts';
import { Outbox, qualifiedTableName } from '@remit/messaging';
import {
  AccountNumberCipher,
  AppError,
  Clock,
  REMIT_CONFIG,
  assertCustomerAccess,
  parseWith,
  type Principal,
  type RemitConfig,
} from '@remit/platform';
import { AutopayService } from '../autopay/autopay.service';
import { InvoiceViewEntity } from '../invoice-view/invoice-view.entity';
import { PaymentMethodsService, assertRoutingNumber } from '../payment-methods/payment-methods.service';
import { IdempotencyService } from '../idempotency/idempotency.service';
import { RequestFingerprint } from '../idempotency/request-fingerprint';
import { findCardNumber } from './card-number-guard';
import { PaymentEntity } from './payment.entity';
import { PaymentStatusChangeEntity } from './payment-status-change.entity';
import { paymentNotice } from './payment-notice';
import { submitPaymentSchema, type SubmitPaymentRequest } from './payment-request.schema';
import { toPaymentView, type PaymentView } from './payment.view';

const IN_PROGRESS_STATUSES = ['submitted', 'scheduled', 'awaiting_funds'] as const;

type Method = SubmitPaymentRequest['method'];
type SubmittedMethod = EventData<'payment.submitted'>['method'];
/** Where a payment intake makes itself comes from (absent: a portal payment). */
export type PaymentOrigin = Pick<EventData<'payment.submitted'>, 'origin' | 'originalPaymentId'>;

/** The SubmitPayment use case, shared by the HTTP API and the payments.commands.v1 topic. */
@Injectable()
export class SubmitPaymentService {
  private readonly logger = new Logger(SubmitPaymentService.name);

  constructor(
    private readonly idempotency: IdempotencyService,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly cipher: AccountNumberCipher,
    private readonly fingerprint: RequestFingerprint,
    private readonly paymentMethods: PaymentMethodsService,
    private readonly autopay: AutopayService,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  async submit(
    principal: Principal,
    idempotencyKey: string | undefined,
    rawBody: unknown,
  ): Promise<{ status: number; body: PaymentView; replayed: boolean }> {
    if (!idempotencyKey || idempotencyKey.trim() === '' || idempotencyKey.length > 255) {
      throw AppError.validation([
        {
          field: 'Idempotency-Key',
          code: 'required',
          message: 'the Idempotency-Key header is required (1–255 characters)',
        },
      ]);
    }
    const cardField = findCardNumber(rawBody);
    if (cardField) {
      throw AppError.unprocessable(
        'PAYMENT.CARD_NUMBER_REJECTED',
        'card numbers are not accepted; pay by card with a processor token',
        [{ field: cardField, code: 'card_number', message: 'looks like a card number' }],
      );
    }
    const request = parseWith(submitPaymentSchema, rawBody);
    assertCustomerAccess(principal, request.customerId);
    if (request.method.type === 'ach')
      assertRoutingNumber(request.method.routingNumber, 'method.routingNumber');
    const requestHash = this.fingerprint.of(request);
    // Read before any database work: no request holds a connection while it waits for Redis.
    const now = await this.clock.now();
    return this.idempotency.run(`${principal.sub}`, idempotencyKey, requestHash, async (manager) => ({
      status: 201,
      body: await this.createPayment(manager, request, now),
    }));
  }

  /**
   * The same use case inside the caller's transaction, for payments intake makes itself (autopay
   * runs, re-presentments): `origin` and `originalPaymentId` travel in `payment.submitted`.
   */
  submitInTransaction(
    manager: EntityManager,
    request: SubmitPaymentRequest,
    now: Date,
    origin?: PaymentOrigin,
  ): Promise<PaymentView> {
    return this.createPayment(manager, request, now, origin);
  }

  private async createPayment(
    manager: EntityManager,
    request: SubmitPaymentRequest,
    now: Date,
    origin?: PaymentOrigin,
  ): Promise<PaymentView> {
    const invoices = await this.resolveInvoiceAmounts(manager, request);
    const amountCents = invoices.reduce((sum, invoice) => sum + invoice.amountCents, 0);
    const options = { cutoff: this.config.achCutoff };
    const paymentId = randomUUID();
    // The id of its payment.submitted, known before the insert so that the row carries it at once.
    const submittedEventId = randomUUID();
    const method = await this.resolveMethod(manager, request.customerId, request.method, paymentId, now);
    const payment = manager.create(PaymentEntity, {
      paymentId,
      customerId: request.customerId,
      amountCents,
      currency: 'USD',
      // A check or a wire is only declared: it posts when the lockbox or the bank reports the money.
      status: method.type === 'check' || method.type === 'wire' ? 'awaiting_funds' : 'submitted',
      methodType: method.type,
      last4: method.last4 ?? null,
      routingNumber: method.bankAccount?.routingNumber ?? null,
      accountNumberCiphertext: method.bankAccount?.accountNumberCiphertext ?? null,
      encryptionKeyId: method.bankAccount?.keyId ?? null,
      accountHolderName: method.accountHolderName ?? null,
      paymentMethodId: method.paymentMethodId ?? null,
      submittedEventId,
      invoices,
      submittedAt: now,
      businessDate: businessDateOf(now, options),
      expectedPostingDate: postingDate(now, postingRuleOf(method.type), options),
      notice: paymentNotice(method.type, this.config, paymentId),
    });
    // The payment and its first history row in one statement (this runs for every payment).
    await manager.query(
      `WITH payment AS (
         INSERT INTO ${qualifiedTableName(manager.connection, PaymentEntity)}
                (payment_id, customer_id, amount_cents, currency, status, method_type, last4, routing_number,
                 account_number_ciphertext, encryption_key_id, account_holder_name, payment_method_id,
                 invoices, submitted_at, business_date, expected_posting_date, notice, submitted_event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $17, $18)
         RETURNING payment_id, status, submitted_at)
       INSERT INTO ${qualifiedTableName(manager.connection, PaymentStatusChangeEntity)}
              (payment_id, status, at, reason, source_event_id)
       SELECT payment_id, status, submitted_at, NULL, NULL FROM payment`,
      [
        payment.paymentId,
        payment.customerId,
        payment.amountCents,
        payment.currency,
        payment.status,
        payment.methodType,
        payment.last4,
        payment.routingNumber,
        payment.accountNumberCiphertext,
        payment.encryptionKeyId,
        payment.accountHolderName,
        payment.paymentMethodId,
        JSON.stringify(payment.invoices),
        payment.submittedAt,
        payment.businessDate,
        payment.expectedPostingDate,
        payment.notice,
        payment.submittedEventId,
      ],
    );
    await this.outbox.add(manager, {
      id: submittedEventId,
      type: 'payment.submitted',
      customerId: payment.customerId,
      subject: payment.paymentId,
      data: {
        paymentId: payment.paymentId,
        customerId: payment.customerId,
        amountCents,
        currency: 'USD',
        method,
        invoices,
        submittedAt: now.toISOString(),
        businessDate: payment.businessDate,
        ...(origin ?? {}),
      },
    });
    this.logger.log(
      `payment ${payment.paymentId} submitted by ${payment.customerId}: ${amountCents} cents by ${method.type}${payment.last4 ? ` ending ${payment.last4}` : ''}, expected to post ${payment.expectedPostingDate}`,
    );
    return toPaymentView(payment);
  }

  /**
   * The method as `payment.submitted` carries it: a bank account sealed for this payment (ach, saved),
   * the processor token (card), or nothing more (check, wire). ACH with `remember` or `autopay` saves
   * the account (or finds it saved); `autopay` also enrols it.
   */
  private async resolveMethod(
    manager: EntityManager,
    customerId: string,
    method: Method,
    paymentId: string,
    now: Date,
  ): Promise<SubmittedMethod> {
    switch (method.type) {
      case 'ach': {
        const sealed = this.cipher.encrypt(method.accountNumber, paymentId);
        let paymentMethodId: string | undefined;
        if (method.remember || method.autopay) {
          const saved = await this.paymentMethods.save(
            manager,
            customerId,
            method,
            now,
            'method.accountNumber',
          );
          paymentMethodId = saved.method.paymentMethodId;
          if (method.autopay) await this.autopay.enrol(manager, customerId, paymentMethodId);
        }
        return {
          type: 'ach',
          last4: method.accountNumber.slice(-4),
          bankAccount: {
            routingNumber: method.routingNumber,
            accountNumberCiphertext: sealed.ciphertext,
            keyId: sealed.keyId,
          },
          ...(paymentMethodId ? { paymentMethodId } : {}),
          ...(method.accountHolderName ? { accountHolderName: method.accountHolderName } : {}),
        };
      }
      case 'saved': {
        const saved = await this.paymentMethods.usable(
          manager,
          customerId,
          method.paymentMethodId,
          'method.paymentMethodId',
        );
        const sealed = this.paymentMethods.sealForPayment(saved, paymentId);
        return {
          type: 'saved',
          last4: saved.last4,
          paymentMethodId: saved.paymentMethodId,
          bankAccount: {
            routingNumber: saved.routingNumber,
            accountNumberCiphertext: sealed.ciphertext,
            keyId: sealed.keyId,
          },
          ...(saved.accountHolderName ? { accountHolderName: saved.accountHolderName } : {}),
        };
      }
      case 'card':
        return { type: 'card', cardToken: method.cardToken };
      case 'check':
      case 'wire':
        return { type: method.type };
    }
  }

  /**
   * Every selected invoice must be the customer's, open, and owe at least the amount paid on it,
   * counting money already in flight for it so that two payments cannot both pay the same balance.
   */
  private async resolveInvoiceAmounts(
    manager: EntityManager,
    request: SubmitPaymentRequest,
  ): Promise<{ invoiceId: string; amountCents: number }[]> {
    const ids = request.invoices.map((invoice) => invoice.invoiceId);
    const known = await manager.query<
      { invoiceId: string; invoiceNumber: string; amountDueCents: string; status: string }[]
    >(
      `SELECT invoice_id AS "invoiceId", invoice_number AS "invoiceNumber",
              amount_due_cents::text AS "amountDueCents", status
         FROM ${qualifiedTableName(manager.connection, InvoiceViewEntity)}
        WHERE invoice_id = ANY($1::uuid[]) AND customer_id = $2
        ORDER BY invoice_id
          FOR UPDATE`,
      [ids, request.customerId],
    );
    const byId = new Map(known.map((invoice) => [invoice.invoiceId, invoice]));
    const inFlight = await this.amountsInFlight(manager, request.customerId);
    return request.invoices.map((requested, index) => {
      const invoice = byId.get(requested.invoiceId);
      const field = `invoices.${index}`;
      if (!invoice) {
        throw AppError.unprocessable(
          'PAYMENT.INVOICE_NOT_FOUND',
          `invoice ${requested.invoiceId} is not an invoice of ${request.customerId}`,
          [{ field: `${field}.invoiceId`, code: 'not_found', message: 'no such invoice for this customer' }],
        );
      }
      const payableCents = Number(invoice.amountDueCents) - (inFlight.get(invoice.invoiceId) ?? 0);
      if (invoice.status !== 'open' || payableCents <= 0) {
        throw AppError.unprocessable(
          'PAYMENT.INVOICE_NOT_PAYABLE',
          `invoice ${invoice.invoiceNumber} has nothing left to pay`,
          [
            {
              field: `${field}.invoiceId`,
              code: 'not_payable',
              message: 'already paid or fully covered by payments in progress',
            },
          ],
        );
      }
      const amountCents = requested.amountCents ?? payableCents;
      if (amountCents > payableCents) {
        throw AppError.unprocessable(
          'PAYMENT.AMOUNT_EXCEEDS_AMOUNT_DUE',
          `invoice ${invoice.invoiceNumber} can take at most ${payableCents} cents`,
          [
            {
              field: `${field}.amountCents`,
              code: 'too_big',
              message: `at most ${payableCents} cents may be paid on this invoice`,
            },
          ],
        );
      }
      return { invoiceId: invoice.invoiceId, amountCents };
    });
  }

  /**
   * Money on its way to each invoice: payments not yet posted, and posted payments that invoice has
   * not yet applied (`payment.applied`). Until the invoice view shows the lower amount due, the
   * posted money must still count, or a second payment could pay the same balance.
   */
  async amountsInFlight(manager: EntityManager, customerId: string): Promise<Map<string, number>> {
    const rows = await manager.query<{ invoiceId: string; amountCents: string }[]>(
      `SELECT item->>'invoiceId' AS "invoiceId", SUM((item->>'amountCents')::bigint)::text AS "amountCents"
         FROM intake.payments payment
         CROSS JOIN LATERAL jsonb_array_elements(payment.invoices) AS item
        WHERE payment.customer_id = $1
          AND (payment.status = ANY($2) OR (payment.status = 'posted' AND payment.applied_at IS NULL))
        GROUP BY 1`,
      [customerId, [...IN_PROGRESS_STATUSES]],
    );
    return new Map(rows.map((row) => [row.invoiceId, Number(row.amountCents)]));
  }
}

/** The posting rule of a method (libs/calendar): a saved bank account is an ACH debit. */
function postingRuleOf(method: PaymentMethodType): 'ach' | 'card' | 'check' | 'wire' {
  return method === 'saved' ? 'ach' : method;
}
