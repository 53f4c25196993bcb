import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { businessDateOf, postingDate } from '@remit/calendar';
import type { EventData, PaymentMethodType } from '@remit/contracts';
import { Outbox, qualifiedTableName, type OutboxEventInput } from '@remit/messaging';
import { uuidMatch } from '@remit/persistence';
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
import {
  IdempotencyService,
  type KeyCompletion,
  type StoredResponse,
} from '../idempotency/idempotency.service';
import { RequestFingerprint } from '../idempotency/request-fingerprint';
import { findCardNumber } from './card-number-guard';
import { PaymentEntity } from './payment.entity';
import { PaymentStatusChangeEntity } from './payment-status-change.entity';
import { paymentNotice } from './payment-notice';
import { submitPaymentSchema, type SubmitPaymentRequest } from './payment-request.schema';
import { toPaymentView, type PaymentView } from './payment.view';

/**
 * A payment whose money is on its way to its invoices: not yet posted, or posted and not yet applied
 * by invoice (`payment.applied`). Written out, not a parameter, so that PostgreSQL reads it through
 * `payments_in_flight_idx` (migration 1764400000000), whose predicate is this condition: the read
 * then costs what the customer has in flight, not the customer's whole payment history.
 */
const IN_FLIGHT_CONDITION = `(payment.status IN ('submitted', 'scheduled', 'awaiting_funds')
           OR (payment.status = 'posted' AND payment.applied_at IS NULL))`;

/** The payment's own parameters of `insertPayment`'s statement (`$1`–`$18`). */
const PAYMENT_PARAMETERS = 18;

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
    // The payment's own statement completes the key (`completion`): no statement of its own for it.
    const outcome = await this.idempotency.run(
      `${principal.sub}`,
      idempotencyKey,
      requestHash,
      (manager, completion) => this.createPayment(manager, request, now, undefined, completion),
    );
    // After the commit: a payment rolled back (its key taken over, say) is never logged as submitted.
    if (!outcome.replayed) this.logSubmitted(outcome.body);
    return outcome;
  }

  /**
   * The same use case inside the caller's transaction, for payments intake makes itself (autopay
   * runs, re-presentments): `origin` and `originalPaymentId` travel in `payment.submitted`.
   */
  async submitInTransaction(
    manager: EntityManager,
    request: SubmitPaymentRequest,
    now: Date,
    origin?: PaymentOrigin,
  ): Promise<PaymentView> {
    const payment = (await this.createPayment(manager, request, now, origin)).body;
    this.logSubmitted(payment);
    return payment;
  }

  private logSubmitted(payment: PaymentView): void {
    const { last4 } = payment.method;
    this.logger.log(
      `payment ${payment.paymentId} submitted by ${payment.customerId}: ${payment.amountCents} cents by ${payment.method.type}${last4 ? ` ending ${last4}` : ''}, expected to post ${payment.expectedPostingDate}`,
    );
  }

  /** The payment made; with `completion`, its statement also completes the request's idempotency key. */
  private async createPayment(
    manager: EntityManager,
    request: SubmitPaymentRequest,
    now: Date,
    origin?: PaymentOrigin,
    completion?: KeyCompletion,
  ): Promise<StoredResponse<PaymentView>> {
    const resolved = await this.resolveInvoiceAmounts(manager, request);
    const options = { cutoff: this.config.achCutoff };
    const paymentId = randomUUID();
    // The id of its payment.submitted, known before the insert so that the row carries it at once.
    const submittedEventId = randomUUID();
    const method = await this.resolveMethod(manager, request.customerId, request.method, paymentId, now);
    const paymentOn = (invoices: PaidInvoice[]): PaymentEntity =>
      manager.create(PaymentEntity, {
        paymentId,
        customerId: request.customerId,
        amountCents: invoices.reduce((sum, invoice) => sum + invoice.amountCents, 0),
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
    const submitted = (payment: PaymentEntity): OutboxEventInput<'payment.submitted'> => ({
      id: submittedEventId,
      type: 'payment.submitted',
      customerId: payment.customerId,
      subject: payment.paymentId,
      data: {
        paymentId: payment.paymentId,
        customerId: payment.customerId,
        amountCents: payment.amountCents,
        currency: 'USD',
        method,
        invoices: payment.invoices,
        submittedAt: now.toISOString(),
        businessDate: payment.businessDate,
        ...(origin ?? {}),
      },
    });
    let payment = paymentOn(resolved.invoices);
    let response = { status: 201, body: toPaymentView(payment) };
    if (
      !(await this.insertPayment(
        manager,
        payment,
        submitted(payment),
        response,
        completion,
        resolved.inFlightRead,
      ))
    ) {
      // A payment on these invoices committed between the read's snapshot and its locks: decide again
      // on a read under the locks (it may refuse now), which needs no confirming.
      payment = paymentOn(amountsOn(request, await this.readLockedInvoices(manager, request)));
      response = { status: 201, body: toPaymentView(payment) };
      if (!(await this.insertPayment(manager, payment, submitted(payment), response, completion))) {
        // Without `inFlightRead` the statement always writes; a refusal here is a fault, never a 201.
        throw new Error(`payment ${payment.paymentId}: not written on a read under the invoice locks`);
      }
    }
    return response;
  }

  /**
   * Writes the payment, its first history row and its `payment.submitted` in one statement (this runs
   * for every payment), and with `completion` the request's idempotency key and `response` too. With
   * `inFlightRead` (the money in flight the amounts were decided on, read before the invoice rows
   * were locked) the statement first reads it again, under the locks, and writes nothing if it
   * changed; returns whether it wrote.
   */
  private async insertPayment(
    manager: EntityManager,
    payment: PaymentEntity,
    submitted: OutboxEventInput<'payment.submitted'>,
    response: StoredResponse<PaymentView>,
    completion?: KeyCompletion,
    inFlightRead?: Map<string, number>,
  ): Promise<boolean> {
    const events = this.outbox.prepare([submitted]);
    const decidedOn = [...(inFlightRead ?? [])];
    // Parameters: the payment's, then the event's, the decided amounts' two and the key's completion.
    const decided = PAYMENT_PARAMETERS + events.parameters.length + 1;
    const completing = completion?.cte(decided + 2, response, 'EXISTS (SELECT 1 FROM new_payment)');
    const written = await manager.query<{ written: number; completed: number }[]>(
      `WITH in_flight AS (${inFlightSql('$2')}),
            changed AS (
              SELECT 1
                FROM unnest($${decided}::text[], $${decided + 1}::bigint[]) AS decided ("invoiceId", "amountCents")
                LEFT JOIN in_flight USING ("invoiceId")
               WHERE COALESCE(in_flight."amountCents"::bigint, 0) <> decided."amountCents"),
            new_payment AS (
              INSERT INTO ${qualifiedTableName(manager.connection, PaymentEntity)}
                     (payment_id, customer_id, amount_cents, currency, status, method_type, last4,
                      routing_number, account_number_ciphertext, encryption_key_id, account_holder_name,
                      payment_method_id, invoices, submitted_at, business_date, expected_posting_date, notice,
                      submitted_event_id)
              SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $17, $18
               WHERE NOT EXISTS (SELECT 1 FROM changed)
              RETURNING payment_id, status, submitted_at),
            history AS (
              INSERT INTO ${qualifiedTableName(manager.connection, PaymentStatusChangeEntity)}
                     (payment_id, status, at, reason, source_event_id)
              SELECT payment_id, status, submitted_at, NULL, NULL FROM new_payment),
            submitted AS (${events.insert(manager.connection, PAYMENT_PARAMETERS + 1, 'EXISTS (SELECT 1 FROM new_payment)')})
            ${completing ? `, ${completing.sql}` : ''}
       SELECT (SELECT count(*)::int FROM new_payment) AS written,
              ${completing ? '(SELECT count(*)::int FROM completed)' : '0'} AS completed`,
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
        ...events.parameters,
        decidedOn.map(([invoiceId]) => invoiceId),
        decidedOn.map(([, amountCents]) => amountCents),
        ...(completing?.parameters ?? []),
      ],
    );
    if (written[0]?.written !== 1) return false;
    completion?.settle(written[0].completed === 1);
    this.outbox.written(manager);
    return true;
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
   * The amount paid on each selected invoice (`amountsOn`), from one statement that locks the invoice
   * rows and reads the money in flight for them. That statement's snapshot predates its locks: money
   * a payment committed while the statement waited for them is not in it. So a refusal is decided
   * again on a read made under the locks (the next statement's snapshot follows them, so its numbers
   * are the current ones), and amounts that pass come with the money in flight they rest on
   * (`inFlightRead`), for the payment's insert to read again under the locks.
   */
  private async resolveInvoiceAmounts(
    manager: EntityManager,
    request: SubmitPaymentRequest,
  ): Promise<{ invoices: PaidInvoice[]; inFlightRead?: Map<string, number> }> {
    const read = await this.readLockedInvoices(manager, request);
    try {
      const invoices = amountsOn(request, read);
      return {
        invoices,
        inFlightRead: new Map(read.map((invoice) => [invoice.invoiceId, Number(invoice.inFlightCents)])),
      };
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return { invoices: amountsOn(request, await this.readLockedInvoices(manager, request)) };
    }
  }

  /**
   * The selected invoices that are the customer's, locked (FOR UPDATE, in invoice id order, so that
   * two payments on the same invoices take turns and never deadlock), each with the money in flight
   * for it as of the statement's snapshot (see `resolveInvoiceAmounts`). One invoice is asked for
   * as `= $1`, so that the prepared plan serves (`uuidMatch`).
   */
  private readLockedInvoices(
    manager: EntityManager,
    request: SubmitPaymentRequest,
  ): Promise<LockedInvoice[]> {
    const invoiceIds = uuidMatch(
      '$1',
      request.invoices.map((invoice) => invoice.invoiceId),
    );
    return manager.query<LockedInvoice[]>(
      `WITH in_flight AS (${inFlightSql('$2')})
       SELECT invoice.invoice_id AS "invoiceId", invoice.invoice_number AS "invoiceNumber",
              invoice.amount_due_cents::text AS "amountDueCents", invoice.status,
              COALESCE(in_flight."amountCents", '0') AS "inFlightCents"
         FROM ${qualifiedTableName(manager.connection, InvoiceViewEntity)} invoice
         LEFT JOIN in_flight ON in_flight."invoiceId" = invoice.invoice_id::text
        WHERE invoice.invoice_id ${invoiceIds.sql} AND invoice.customer_id = $2
        ORDER BY invoice.invoice_id
          FOR UPDATE OF invoice`,
      [invoiceIds.value, request.customerId],
    );
  }

  /**
   * Money on its way to each invoice: payments not yet posted, and posted payments that invoice has
   * not yet applied (`payment.applied`). Until the invoice view shows the lower amount due, the
   * posted money must still count, or a second payment could pay the same balance.
   */
  async amountsInFlight(manager: EntityManager, customerId: string): Promise<Map<string, number>> {
    const rows = await manager.query<{ invoiceId: string; amountCents: string }[]>(inFlightSql('$1'), [
      customerId,
    ]);
    return new Map(rows.map((row) => [row.invoiceId, Number(row.amountCents)]));
  }
}

/** What a payment pays on one invoice. */
type PaidInvoice = { invoiceId: string; amountCents: number };

/** An invoice of `readLockedInvoices`; the numbers are bigints as text. */
interface LockedInvoice {
  invoiceId: string;
  invoiceNumber: string;
  amountDueCents: string;
  status: string;
  inFlightCents: string;
}

/**
 * `amountsInFlight`'s query (`"invoiceId"`, `"amountCents"` as text), with its customer given as the
 * parameter named. Exported for the test that checks it reads `payments_in_flight_idx`.
 */
export function inFlightSql(customer: string): string {
  return `SELECT item->>'invoiceId' AS "invoiceId", SUM((item->>'amountCents')::bigint)::text AS "amountCents"
         FROM intake.payments payment
         CROSS JOIN LATERAL jsonb_array_elements(payment.invoices) AS item
        WHERE payment.customer_id = ${customer}
          AND ${IN_FLIGHT_CONDITION}
        GROUP BY 1`;
}

/**
 * Every selected invoice must be the customer's, open, and owe at least the amount paid on it,
 * counting money already in flight for it so that two payments cannot both pay the same balance.
 */
function amountsOn(request: SubmitPaymentRequest, locked: LockedInvoice[]): PaidInvoice[] {
  const byId = new Map(locked.map((invoice) => [invoice.invoiceId, invoice]));
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
    const payableCents = Number(invoice.amountDueCents) - Number(invoice.inFlightCents);
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

/** The posting rule of a method (libs/calendar): a saved bank account is an ACH debit. */
function postingRuleOf(method: PaymentMethodType): 'ach' | 'card' | 'check' | 'wire' {
  return method === 'saved' ? 'ach' : method;
}
