import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { createCloudEvent, type CloudEvent } from '@remit/contracts';
import { withBatchWork } from '@remit/messaging';
import { createTestingApp, lockWaitOf, parseWith, StatementRecorder } from '@remit/platform';
import { InvoiceViewService } from '../src/invoice-view/invoice-view.service';
import { PaymentIntakeModule } from '../src/payment-intake.module';
import { submitPaymentSchema } from '../src/payments/payment-request.schema';
import { PaymentStatusService } from '../src/payments/payment-status.service';
import { SubmitPaymentService } from '../src/payments/submit-payment.service';
import { balanceChanged, captureNestLogs, ROUTING, seedInvoice, testCustomer } from './support';

/**
 * The statements intake's consumers send per event, and what they still guarantee with so few: a
 * settlement event's status change is one statement whatever it finds, and the invoice snapshots of
 * one consumer transaction are one upsert in which the newest version of each invoice wins.
 */
describe('intake consumer statements (real PostgreSQL, Redis, Kafka)', () => {
  const { customerId } = testCustomer('cstmts');
  let app: INestApplication;
  let dataSource: DataSource;

  /** The statements sent through `pg` by the code run inside `counted.run(list, …)`. */
  const counted = new StatementRecorder();

  /** Runs `apply` as an `InboxConsumer` runs a batch's handlers: one transaction, deferred work flushed before the commit. */
  function inConsumerTransaction(apply: (manager: EntityManager) => Promise<void>): Promise<void> {
    return dataSource.transaction((manager) => withBatchWork(manager, () => apply(manager)));
  }

  /** `apply` as a consumer transaction, and the statements it sent. */
  async function statementsOf(apply: (manager: EntityManager) => Promise<void>): Promise<string[]> {
    const statements: string[] = [];
    await counted.run(statements, () => inConsumerTransaction(apply));
    return statements;
  }

  function gate(): { open: () => void; opened: Promise<void> } {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { open, opened };
  }

  /** A submitted ACH payment of 5000 cents (no settlement runs here: nothing else moves it). */
  async function submittedPayment(): Promise<string> {
    const invoiceId = await seedInvoice(dataSource, customerId, 5000);
    const request = parseWith(submitPaymentSchema, {
      customerId,
      invoices: [{ invoiceId, amountCents: 5000 }],
      method: {
        type: 'ach',
        routingNumber: ROUTING,
        accountNumber: '987654321',
        accountNumberConfirmation: '987654321',
      },
    });
    const payment = await dataSource.transaction((manager) =>
      app.get(SubmitPaymentService).submitInTransaction(manager, request, new Date()),
    );
    return payment.paymentId;
  }

  const method = { type: 'ach' as const, last4: '4321' };

  function scheduled(paymentId: string): CloudEvent<'payment.scheduled'> {
    return createCloudEvent({
      type: 'payment.scheduled',
      source: 'remit/settlement',
      customerId,
      subject: paymentId,
      data: { paymentId, customerId, amountCents: 5000, method, expectedPostingDate: '2026-11-25' },
    });
  }

  function posted(paymentId: string): CloudEvent<'payment.posted'> {
    return createCloudEvent({
      type: 'payment.posted',
      source: 'remit/settlement',
      customerId,
      subject: paymentId,
      data: {
        paymentId,
        customerId,
        amountCents: 5000,
        currency: 'USD',
        method,
        invoices: [{ invoiceId: randomUUID(), amountCents: 5000 }],
        postingDate: '2026-11-25',
        postedAt: new Date().toISOString(),
      },
    });
  }

  async function paymentRow(
    paymentId: string,
  ): Promise<{ status: string; acknowledged_at: Date | null; updated_at: Date }> {
    const [row] = await dataSource.query(
      `SELECT status, settlement_acknowledged_at AS acknowledged_at, updated_at
         FROM intake.payments WHERE payment_id = $1`,
      [paymentId],
    );
    return row;
  }

  async function historyOf(
    paymentId: string,
  ): Promise<{ status: string; reason: string | null; source_event_id: string | null }[]> {
    return dataSource.query(
      `SELECT status, reason, source_event_id FROM intake.payment_status_history
        WHERE payment_id = $1 ORDER BY change_id`,
      [paymentId],
    );
  }

  function snapshot(invoiceId: string, amountDueCents: number, version: number) {
    return balanceChanged(customerId, invoiceId, 9000, amountDueCents, version);
  }

  async function viewOf(invoiceId: string): Promise<{ due: number; version: number } | undefined> {
    const [row] = await dataSource.query(
      `SELECT amount_due_cents::int AS due, version FROM intake.invoice_view WHERE invoice_id = $1`,
      [invoiceId],
    );
    return row;
  }

  beforeAll(async () => {
    ({ app } = await createTestingApp(PaymentIntakeModule));
    dataSource = app.get(DataSource);
    counted.install();
  });

  afterAll(async () => {
    counted.uninstall();
    jest.restoreAllMocks();
    await app.close();
  });

  describe('PaymentStatusService', () => {
    const transitionStatement =
      /^WITH locked AS \( SELECT .* FROM "intake"\."payments" .* FOR UPDATE\), written AS \( UPDATE "intake"\."payments" .* INSERT INTO "intake"\."payment_status_history" /;

    it('moves a payment in one statement: status, acknowledgement and history row', async () => {
      const paymentId = await submittedPayment();
      const before = await paymentRow(paymentId);
      expect(before).toMatchObject({ status: 'submitted', acknowledged_at: null });
      const event = posted(paymentId);
      const logs = captureNestLogs();
      let statements: string[];
      try {
        statements = await statementsOf((manager) => app.get(PaymentStatusService).onPosted(event, manager));
      } finally {
        logs.restore();
      }
      expect(statements).toHaveLength(3);
      expect(statements[0]).toBe('START TRANSACTION');
      expect(statements[1]).toMatch(transitionStatement);
      expect(statements[2]).toBe('COMMIT');

      const after = await paymentRow(paymentId);
      expect(after.status).toBe('posted');
      expect(after.acknowledged_at).not.toBeNull();
      expect(after.updated_at.getTime()).toBeGreaterThanOrEqual(before.updated_at.getTime());
      const history = await historyOf(paymentId);
      expect(history.map((change) => change.status)).toEqual(['submitted', 'posted']);
      expect(history[1]).toEqual({
        status: 'posted',
        reason: 'posted 2026-11-25',
        source_event_id: event.id,
      });
      expect(logs.lines.filter((line) => line.includes(paymentId))).toEqual([
        `payment ${paymentId}: submitted → posted (posted 2026-11-25)`,
      ]);
    });

    it('leaves a disallowed transition undone but acknowledges the payment, in one statement', async () => {
      const paymentId = await submittedPayment();
      // Posted by an event whose acknowledgement this test takes back: settlement's next event must set it again.
      await inConsumerTransaction((manager) =>
        app.get(PaymentStatusService).onPosted(posted(paymentId), manager),
      );
      await dataSource.query(
        `UPDATE intake.payments SET settlement_acknowledged_at = NULL WHERE payment_id = $1`,
        [paymentId],
      );
      const before = await paymentRow(paymentId);
      const history = await historyOf(paymentId);
      const logs = captureNestLogs();
      let statements: string[];
      try {
        statements = await statementsOf((manager) =>
          app.get(PaymentStatusService).onScheduled(scheduled(paymentId), manager),
        );
      } finally {
        logs.restore();
      }
      expect(statements).toHaveLength(3);
      expect(statements[1]).toMatch(transitionStatement);
      const after = await paymentRow(paymentId);
      expect(after.status).toBe('posted');
      expect(after.acknowledged_at).not.toBeNull();
      expect(after.updated_at).toEqual(before.updated_at);
      expect(await historyOf(paymentId)).toEqual(history);
      expect(logs.lines.filter((line) => line.includes(paymentId))).toEqual([
        `payment ${paymentId}: ignoring payment.scheduled (posted → scheduled is not allowed)`,
      ]);

      // Already there and acknowledged: one statement again, and nothing written (the row keeps its version).
      const [{ xmin }] = await dataSource.query(
        `SELECT xmin::text FROM intake.payments WHERE payment_id = $1`,
        [paymentId],
      );
      const again = posted(paymentId);
      const quiet = captureNestLogs();
      try {
        expect(
          await statementsOf((manager) => app.get(PaymentStatusService).onPosted(again, manager)),
        ).toHaveLength(3);
      } finally {
        quiet.restore();
      }
      expect(await paymentRow(paymentId)).toEqual(after);
      expect(
        await dataSource.query(`SELECT xmin::text FROM intake.payments WHERE payment_id = $1`, [paymentId]),
      ).toEqual([{ xmin }]);
      expect(await historyOf(paymentId)).toEqual(history);
      expect(quiet.lines.filter((line) => line.includes(paymentId))).toEqual([
        `payment ${paymentId}: already posted; payment.posted changes nothing`,
      ]);
    });

    it('refuses an event about an unknown payment (PAYMENT.UNKNOWN) after one statement', async () => {
      const paymentId = randomUUID();
      const event = posted(paymentId);
      const statements: string[] = [];
      await expect(
        counted.run(statements, () =>
          inConsumerTransaction((manager) => app.get(PaymentStatusService).onPosted(event, manager)),
        ),
      ).rejects.toMatchObject({
        name: 'EventRefused',
        code: 'PAYMENT.UNKNOWN',
        message: `event ${event.id} (payment.posted) names unknown payment ${paymentId}`,
      });
      expect(statements).toHaveLength(3);
      expect(statements[1]).toMatch(transitionStatement);
      expect(statements[2]).toBe('ROLLBACK');
      expect(await historyOf(paymentId)).toEqual([]);
    });

    it('sends one statement per event for a batch, each seeing the one before it', async () => {
      const first = await submittedPayment();
      const second = await submittedPayment();
      const statuses = app.get(PaymentStatusService);
      const statements = await statementsOf(async (manager) => {
        await statuses.onScheduled(scheduled(first), manager);
        await statuses.onScheduled(scheduled(second), manager);
        await statuses.onPosted(posted(first), manager);
        await statuses.onPosted(posted(second), manager);
      });
      expect(statements).toHaveLength(2 + 4);
      expect(statements.slice(1, -1).every((statement) => transitionStatement.test(statement))).toBe(true);
      for (const paymentId of [first, second]) {
        expect((await paymentRow(paymentId)).status).toBe('posted');
        expect((await historyOf(paymentId)).map((row) => row.status)).toEqual([
          'submitted',
          'scheduled',
          'posted',
        ]);
      }
    });

    it('decides on the newest status when the row was locked by another transaction that then committed', async () => {
      for (const { other, expected } of [
        { other: 'canceled', expected: { status: 'canceled', moved: false } },
        { other: 'scheduled', expected: { status: 'posted', moved: true } },
      ]) {
        const paymentId = await submittedPayment();
        const locked = gate();
        const release = gate();
        const held = dataSource.transaction(async (manager) => {
          await manager.query(`UPDATE intake.payments SET status = $2 WHERE payment_id = $1`, [
            paymentId,
            other,
          ]);
          locked.open();
          await release.opened;
        });
        await locked.opened;
        const logs = captureNestLogs();
        try {
          const applying = inConsumerTransaction((manager) =>
            app.get(PaymentStatusService).onPosted(posted(paymentId), manager),
          );
          await lockWaitOf(dataSource, '%WITH locked AS%');
          release.open();
          await held;
          await applying;
        } finally {
          release.open();
          logs.restore();
        }
        const row = await paymentRow(paymentId);
        expect(row.status).toBe(expected.status);
        expect(row.acknowledged_at).not.toBeNull();
        expect((await historyOf(paymentId)).map((change) => change.status)).toEqual(
          expected.moved ? ['submitted', 'posted'] : ['submitted'],
        );
        expect(logs.lines.filter((line) => line.includes(paymentId))).toEqual([
          expected.moved
            ? `payment ${paymentId}: ${other} → posted (posted 2026-11-25)`
            : `payment ${paymentId}: ignoring payment.posted (${other} → posted is not allowed)`,
        ]);
      }
    });
  });

  describe('InvoiceViewService', () => {
    const upsertStatement =
      /^INSERT INTO "intake"\."invoice_view" AS view .* VALUES .* ON CONFLICT \(invoice_id\) DO UPDATE .* WHERE view\.version < EXCLUDED\.version RETURNING invoice_id$/;

    it('upserts the snapshots of a consumer transaction in one statement, the newest of each invoice', async () => {
      const a = randomUUID();
      const b = randomUUID();
      const view = app.get(InvoiceViewService);
      const logs = captureNestLogs();
      let statements: string[];
      try {
        statements = await statementsOf(async (manager) => {
          await view.upsert(snapshot(a, 9000, 1), manager);
          await view.upsert(snapshot(a, 2000, 3), manager);
          await view.upsert(snapshot(a, 5000, 2), manager);
          await view.upsert(snapshot(b, 7000, 1), manager);
        });
      } finally {
        logs.restore();
      }
      expect(statements).toHaveLength(3);
      expect(statements[0]).toBe('START TRANSACTION');
      expect(statements[1]).toMatch(upsertStatement);
      expect(statements[2]).toBe('COMMIT');
      expect(await viewOf(a)).toEqual({ due: 2000, version: 3 });
      expect(await viewOf(b)).toEqual({ due: 7000, version: 1 });
      const numberA = `INV-${a.slice(0, 8)}`;
      const numberB = `INV-${b.slice(0, 8)}`;
      expect(logs.lines.filter((line) => line.includes(numberA) || line.includes(numberB))).toEqual([
        `invoice ${numberA}: snapshot version 1 superseded by version 3 in the same batch`,
        `invoice ${numberA} v3 now owes 2000 cents (open)`,
        `invoice ${numberA}: snapshot version 2 superseded by version 3 in the same batch`,
        `invoice ${numberB} v1 now owes 7000 cents (open)`,
      ]);
    });

    it('ignores a snapshot older than the view, and a later one of the same version in the batch', async () => {
      const invoiceId = randomUUID();
      const number = `INV-${invoiceId.slice(0, 8)}`;
      const view = app.get(InvoiceViewService);
      await inConsumerTransaction((manager) => view.upsert(snapshot(invoiceId, 2000, 3), manager));

      const logs = captureNestLogs();
      try {
        // An older snapshot after the newer (a replay): money already paid must not come back.
        await inConsumerTransaction(async (manager) => {
          await view.upsert(snapshot(invoiceId, 9000, 1), manager);
          await view.upsert(snapshot(invoiceId, 5000, 2), manager);
        });
        expect(await viewOf(invoiceId)).toEqual({ due: 2000, version: 3 });
        // The same version twice in one batch: the first stands, as it would one at a time.
        await inConsumerTransaction(async (manager) => {
          await view.upsert(snapshot(invoiceId, 0, 4), manager);
          await view.upsert(snapshot(invoiceId, 1500, 4), manager);
        });
        expect(await viewOf(invoiceId)).toEqual({ due: 0, version: 4 });
      } finally {
        logs.restore();
      }
      expect(logs.lines.filter((line) => line.includes(number))).toEqual([
        `invoice ${number}: snapshot version 1 is not newer than the view's; ignored`,
        `invoice ${number}: snapshot version 2 is not newer than the view's; ignored`,
        `invoice ${number} v4 now owes 0 cents (paid)`,
        `invoice ${number}: snapshot version 4 is not newer than the view's; ignored`,
      ]);
    });

    it("sends a payment's invoice events in two statements: its mark as applied, then the batch's upsert before the commit", async () => {
      const paymentId = await submittedPayment();
      const a = randomUUID();
      const b = randomUUID();
      const view = app.get(InvoiceViewService);
      const applied = createCloudEvent({
        type: 'payment.applied',
        source: 'remit/invoice',
        customerId,
        subject: paymentId,
        data: {
          paymentId,
          customerId,
          customerName: 'Statements Test',
          customerEmail: 'ap@example.com',
          amountCents: 5000,
          applications: [{ invoiceId: a, amountCents: 5000, invoiceNumber: `INV-${a.slice(0, 8)}` }],
          creditCents: 0,
          postingDate: '2026-11-25',
        },
      });
      const statements = await statementsOf(async (manager) => {
        await view.upsert(snapshot(a, 0, 2), manager);
        await view.upsert(snapshot(b, 4000, 2), manager);
        await view.markApplied(applied, manager);
      });
      expect(statements).toHaveLength(4);
      expect(statements[1]).toMatch(/^WITH marked AS \( UPDATE "intake"\."payments" SET applied_at/);
      expect(statements[2]).toMatch(upsertStatement);
      expect(statements[3]).toBe('COMMIT');
      expect(await viewOf(a)).toEqual({ due: 0, version: 2 });
      expect(await viewOf(b)).toEqual({ due: 4000, version: 2 });
    });

    it('refuses to defer a snapshot outside a consumer transaction', async () => {
      await expect(
        dataSource.transaction((manager) =>
          app.get(InvoiceViewService).upsert(snapshot(randomUUID(), 100, 1), manager),
        ),
      ).rejects.toThrow(/InboxConsumer/);
    });
  });
});
