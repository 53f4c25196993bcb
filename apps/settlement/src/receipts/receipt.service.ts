import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { businessDateOf } from '@remit/calendar';
import { Outbox } from '@remit/messaging';
import { AppError, Clock, REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import { PostPaymentService } from '../postings/post-payment.service';
import { SettlementPaymentEntity } from '../postings/settlement-payment.entity';
import type { ReceiptRequest } from './receipt.schema';
import { toReceiptView, type ReceiptRow, type ReceiptView } from './receipt.view';

export interface RecordReceiptResult {
  /** False when this type and reference were recorded before: the first result, nothing changed. */
  created: boolean;
  receipt: ReceiptView;
}

/**
 * Flow 4 (docs/architecture.md, "Check / wire"): a receipt from the lockbox or the bank matches a
 * declared payment — by its payment id, else the customer's oldest `awaiting_funds` payment of that
 * type and exact amount — and posts it; a receipt that matches nothing is recorded and published as
 * `receipt.unmatched`, which invoice turns into customer credit. Money that arrived is never refused:
 * only a request that names a payment it cannot be for (another customer, type or amount) is.
 */
@Injectable()
export class ReceiptService {
  private readonly logger = new Logger(ReceiptService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly postings: PostPaymentService,
    @Inject(REMIT_CONFIG) private readonly config: Pick<RemitConfig, 'achCutoff'>,
  ) {}

  record(request: ReceiptRequest): Promise<RecordReceiptResult> {
    return this.dataSource.transaction(async (manager) => {
      // One receipt per (type, reference): concurrent posts of one reference wait for each other here.
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
        `settlement-receipt:${request.type}:${request.reference}`,
      ]);
      const existing = await this.find(manager, request.type, request.reference);
      if (existing) return { created: false, receipt: toReceiptView(existing) };

      const receivedAt = await this.clock.now();
      // A receipt after the cutoff (or on a non-business day) counts for the next business day.
      const businessDate = businessDateOf(receivedAt, { cutoff: this.config.achCutoff });
      const payment = await this.matchingPayment(manager, request);
      const receiptId = randomUUID();
      if (payment) await this.postings.postLocked(manager, payment, businessDate);
      const [row] = await manager.query<ReceiptRow[]>(
        `INSERT INTO settlement.receipts
           (receipt_id, type, reference, customer_id, amount_cents, requested_payment_id, outcome, payment_id,
            business_date, received_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         RETURNING receipt_id, type, reference, customer_id, amount_cents, outcome, payment_id, business_date,
                   received_at`,
        [
          receiptId,
          request.type,
          request.reference,
          request.customerId,
          request.amountCents,
          request.paymentId ?? null,
          payment ? 'matched' : 'unmatched',
          payment?.paymentId ?? null,
          businessDate,
          receivedAt,
        ],
      );
      if (!payment) {
        await this.outbox.add(manager, {
          type: 'receipt.unmatched',
          customerId: request.customerId,
          subject: receiptId,
          data: {
            receiptId,
            type: request.type,
            customerId: request.customerId,
            amountCents: request.amountCents,
            reference: request.reference,
            receivedAt: receivedAt.toISOString(),
            businessDate,
          },
        });
      }
      this.logger.log(
        `${request.type} receipt ${receiptId} for ${request.customerId}: ${request.amountCents} cents, ${
          payment ? `posted payment ${payment.paymentId}` : 'unmatched (customer credit)'
        }`,
      );
      return { created: true, receipt: toReceiptView(row) };
    });
  }

  private async find(
    manager: EntityManager,
    type: string,
    reference: string,
  ): Promise<ReceiptRow | undefined> {
    const [row] = await manager.query<ReceiptRow[]>(
      `SELECT receipt_id, type, reference, customer_id, amount_cents, outcome, payment_id, business_date, received_at
         FROM settlement.receipts WHERE type = $1 AND reference = $2`,
      [type, reference],
    );
    return row;
  }

  /** The declared payment this receipt pays, locked; undefined when it pays none (credit). */
  private async matchingPayment(
    manager: EntityManager,
    request: ReceiptRequest,
  ): Promise<SettlementPaymentEntity | undefined> {
    if (request.paymentId !== undefined) {
      const payment = await manager.findOne(SettlementPaymentEntity, {
        where: { paymentId: request.paymentId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!payment || payment.customerId !== request.customerId || payment.methodType !== request.type) {
        throw AppError.unprocessable(
          'SETTLEMENT.RECEIPT_PAYMENT_MISMATCH',
          `payment ${request.paymentId} is not a ${request.type} payment of customer ${request.customerId}`,
          [
            {
              field: 'paymentId',
              code: 'no_such_payment',
              message: `no ${request.type} payment of this customer has this id`,
            },
          ],
        );
      }
      if (payment.amountCents !== request.amountCents) {
        throw AppError.unprocessable(
          'SETTLEMENT.RECEIPT_AMOUNT_MISMATCH',
          `payment ${request.paymentId} was declared for ${payment.amountCents} cents, the receipt is for ${request.amountCents}`,
          [
            {
              field: 'amountCents',
              code: 'amount_mismatch',
              message: `must equal the declared amount (${payment.amountCents} cents), or leave out paymentId to record it as credit`,
            },
          ],
        );
      }
      // Posted already, expired or canceled: the money still arrived, and becomes credit.
      return payment.status === 'awaiting_funds' ? payment : undefined;
    }
    const [candidate] = await manager.query<{ payment_id: string }[]>(
      `SELECT payment_id FROM settlement.settlement_payments
        WHERE status = 'awaiting_funds' AND customer_id = $1 AND method_type = $2 AND amount_cents = $3
        ORDER BY business_date, created_at, payment_id
        LIMIT 1
        FOR UPDATE SKIP LOCKED`,
      [request.customerId, request.type, request.amountCents],
    );
    if (!candidate) return undefined;
    return (
      (await manager.findOne(SettlementPaymentEntity, { where: { paymentId: candidate.payment_id } })) ??
      undefined
    );
  }
}
