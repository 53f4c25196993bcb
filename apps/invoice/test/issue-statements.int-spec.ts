import { randomUUID } from 'node:crypto';
import { createCloudEvent, topicOfEvent } from '@remit/contracts';
import { AppError, indexesOfPlans, lockWaitOf, StatementRecorder } from '@remit/platform';
import { CreditService, openCreditLotsQuery } from '../src/credit/credit.service';
import type { CreateInvoiceRequest } from '../src/invoices/invoice.schema';
import { InvoicesService } from '../src/invoices/invoices.service';
import { IssueInvoiceService } from '../src/invoices/issue-invoice.service';
import { InvoiceHarness } from './invoice-harness';

interface OutboxRow {
  id: string;
  topic: string;
  message_key: string;
  event_type: string;
  payload: { id: string; subject: string; data: Record<string, unknown> };
  headers: Record<string, string>;
}

/**
 * The statements of one `POST /v1/invoices`, and what they write: the same rows, events and refusals
 * as before, from two statements for a customer without credit.
 */
describe('POST /v1/invoices statements and rows (real PostgreSQL, Redis, Kafka)', () => {
  const harness = new InvoiceHarness();
  /** The statements sent through `pg` by the code run inside `counted.run(list, …)`. */
  const counted = new StatementRecorder();

  const READ =
    /^SELECT customer\.customer_id AS "customerId", .* FROM "invoice"\."accounts" AS account JOIN "invoice"\."customers" AS customer ON customer\.customer_id = account\.customer_id WHERE account\.account_number = \$1$/;
  const LOCKED_READ = new RegExp(`${READ.source.slice(0, -1)} FOR UPDATE OF customer$`);
  const WRITE =
    /^WITH issuer AS \(.*\), issued AS \( INSERT INTO "invoice"\."invoices" .*INSERT INTO "invoice"\."invoice_lines" .*INSERT INTO "invoice"\."journals" .*INSERT INTO "invoice"\."ledger_entries" .*INSERT INTO "invoice"\."outbox_events" .* FROM issued$/;
  const GUARDED = /^WITH issuer AS \(SELECT customer\.customer_id .* FOR UPDATE OF customer\), issued AS/;

  function request(accountNumber: string, invoiceNumber = `INV-${randomUUID()}`): CreateInvoiceRequest {
    return {
      invoiceNumber,
      accountNumber,
      invoiceDate: '2026-11-01',
      dueDate: '2026-12-01',
      lines: [
        { description: 'Internet', amountCents: 5000 },
        { description: 'Loyalty discount', amountCents: -500 },
      ],
    };
  }

  /**
   * `create` (all that POST /v1/invoices runs), with the statements it sent; the app's consumers and
   * relay share the pool, not this context, so theirs are not counted.
   */
  async function issueCounted(body: CreateInvoiceRequest): Promise<{
    statements: string[];
    outcome: Awaited<ReturnType<IssueInvoiceService['create']>> | AppError;
  }> {
    const statements: string[] = [];
    const outcome = await counted.run(statements, () =>
      harness.app
        .get(IssueInvoiceService)
        .create(body)
        .catch((error: unknown) => {
          if (error instanceof AppError) return error;
          throw error;
        }),
    );
    return { statements, outcome };
  }

  async function rowsOf(invoiceNumber: string) {
    const invoices: Record<string, unknown>[] = await harness.dataSource.query(
      `SELECT invoice_id, customer_id, account_number, invoice_date::text, due_date::text,
              invoice_amount_cents::int AS invoice_cents, amount_due_cents::int AS due_cents, status, version
         FROM invoice.invoices WHERE invoice_number = $1`,
      [invoiceNumber],
    );
    const invoiceId = invoices[0]?.invoice_id as string | undefined;
    const lines: { position: number; description: string; cents: number }[] = await harness.dataSource.query(
      `SELECT position, description, amount_cents::int AS cents FROM invoice.invoice_lines
        WHERE invoice_id = $1 ORDER BY position`,
      [invoiceId ?? randomUUID()],
    );
    const entries: { journal_id: string; account: string; debit: number; credit: number; memo: string }[] =
      await harness.dataSource.query(
        `SELECT entry.journal_id, entry.account, entry.debit_cents::int AS debit, entry.credit_cents::int AS credit,
                journal.memo
           FROM invoice.ledger_entries entry JOIN invoice.journals journal USING (journal_id)
          WHERE journal.journal_id = $1 OR journal.journal_id IN (
                  SELECT 'fee:' || fee_id FROM invoice.fees WHERE invoice_id = $2)
          ORDER BY entry.seq`,
        [`invoice:${invoiceId}`, invoiceId ?? randomUUID()],
      );
    const fees: Record<string, unknown>[] = await harness.dataSource.query(
      `SELECT fee_id, customer_id, kind, payment_id, return_code, amount_cents::int AS cents, status
         FROM invoice.fees WHERE invoice_id = $1`,
      [invoiceId ?? randomUUID()],
    );
    const events: OutboxRow[] = await harness.dataSource.query(
      `SELECT id, topic, message_key, event_type, payload, headers FROM invoice.outbox_events
        WHERE payload->'data'->>'invoiceNumber' = $1 ORDER BY seq`,
      [invoiceNumber],
    );
    return { invoices, invoiceId, lines, entries, fees, events };
  }

  /** Credit for a customer as an unmatched check would leave it (a lot, the balance, its journal). */
  async function giveCredit(customerId: string, amountCents: number): Promise<void> {
    const event = createCloudEvent({
      type: 'receipt.unmatched',
      source: 'settlement',
      customerId,
      subject: customerId,
      data: {
        receiptId: randomUUID(),
        type: 'check',
        customerId,
        amountCents,
        reference: 'CHK-2001',
        receivedAt: '2026-11-25T15:00:00.000Z',
        businessDate: '2026-11-25',
      },
    });
    await harness.dataSource.transaction((manager) =>
      harness.app.get(CreditService).onUnmatchedReceipt(event, manager),
    );
  }

  beforeAll(async () => {
    await harness.start();
    counted.install();
  });

  afterEach(async () => {
    await harness.expectLedgerBalanced();
  });

  afterAll(async () => {
    counted.uninstall();
    jest.restoreAllMocks();
    await harness.stop();
  });

  it('sends two statements for an e-mail-billed customer: the read, then one write of everything', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    const body = request(accounts[0]);
    const { statements, outcome } = await issueCounted(body);

    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(READ);
    expect(statements[0]).toContain('EXISTS (SELECT 1 FROM "invoice"."invoices" WHERE invoice_number = $2)');
    expect(statements[1]).toMatch(WRITE);
    expect(statements[1]).toMatch(GUARDED);
    expect(statements[1]).not.toContain('"invoice"."fees"');

    const { invoices, invoiceId, lines, entries, fees, events } = await rowsOf(body.invoiceNumber);
    // The response, and (with its version) the invoice.issued event's data.
    const issuedInvoice = {
      invoiceId,
      invoiceNumber: body.invoiceNumber,
      customerId,
      accountNumber: accounts[0],
      invoiceDate: '2026-11-01',
      dueDate: '2026-12-01',
      invoiceAmountCents: 4500,
      amountDueCents: 4500,
      status: 'open',
    };
    expect(outcome).toEqual(issuedInvoice);
    expect(invoices).toEqual([
      {
        invoice_id: invoiceId,
        customer_id: customerId,
        account_number: accounts[0],
        invoice_date: '2026-11-01',
        due_date: '2026-12-01',
        invoice_cents: 4500,
        due_cents: 4500,
        status: 'open',
        version: 1,
      },
    ]);
    expect(lines).toEqual([
      { position: 1, description: 'Internet', cents: 5000 },
      { position: 2, description: 'Loyalty discount', cents: -500 },
    ]);
    const memo = `Invoice ${body.invoiceNumber}`;
    expect(entries).toEqual([
      { journal_id: `invoice:${invoiceId}`, account: 'accounts_receivable', debit: 4500, credit: 0, memo },
      { journal_id: `invoice:${invoiceId}`, account: 'revenue', debit: 0, credit: 4500, memo },
    ]);
    expect(fees).toEqual([]);
    expect(events).toHaveLength(1);
    const [issued] = events;
    expect(issued).toMatchObject({
      topic: topicOfEvent['invoice.issued'],
      message_key: customerId,
      event_type: 'invoice.issued',
      headers: { ce_id: issued.id, ce_type: 'invoice.issued' },
      payload: { id: issued.id, subject: invoiceId },
    });
    expect(issued.payload.data).toEqual({ ...issuedInvoice, version: 1 });
  });

  it('bills a paper-billed customer its fee in the same two statements: the line, the fee, its journal, fee.charged', async () => {
    const { customerId, accounts } = await harness.createCustomer({ billingDelivery: 'paper' });
    const body = request(accounts[0]);
    const { statements, outcome } = await issueCounted(body);

    expect(statements).toHaveLength(2);
    expect(statements[0]).toMatch(READ);
    expect(statements[1]).toMatch(WRITE);
    expect(statements[1]).toContain('INSERT INTO "invoice"."fees"');
    expect(outcome).toMatchObject({ invoiceAmountCents: 5500, amountDueCents: 5500 });

    const { invoiceId, lines, entries, fees, events } = await rowsOf(body.invoiceNumber);
    expect(lines).toEqual([
      { position: 1, description: 'Internet', cents: 5000 },
      { position: 2, description: 'Loyalty discount', cents: -500 },
      { position: 3, description: 'Paper Invoice Fee', cents: 1000 },
    ]);
    expect(fees).toEqual([
      {
        fee_id: expect.any(String),
        customer_id: customerId,
        kind: 'paper',
        payment_id: null,
        return_code: null,
        cents: 1000,
        status: 'charged',
      },
    ]);
    const feeId = fees[0].fee_id as string;
    const feeMemo = `Paper Invoice Fee on invoice ${body.invoiceNumber}`;
    expect(entries).toEqual([
      expect.objectContaining({
        journal_id: `invoice:${invoiceId}`,
        account: 'accounts_receivable',
        debit: 4500,
      }),
      expect.objectContaining({ journal_id: `invoice:${invoiceId}`, account: 'revenue', credit: 4500 }),
      { journal_id: `fee:${feeId}`, account: 'accounts_receivable', debit: 1000, credit: 0, memo: feeMemo },
      { journal_id: `fee:${feeId}`, account: 'fee_revenue', debit: 0, credit: 1000, memo: feeMemo },
    ]);
    expect(events.map((event) => event.event_type)).toEqual(['invoice.issued', 'fee.charged']);
    expect(events[0].payload.data).toMatchObject({ invoiceAmountCents: 5500, amountDueCents: 5500 });
    expect(events[1]).toMatchObject({ topic: topicOfEvent['fee.charged'], message_key: customerId });
    expect(events[1].payload.data).toEqual({
      feeId,
      customerId,
      kind: 'paper',
      amountCents: 1000,
      invoiceId,
      invoiceNumber: body.invoiceNumber,
    });
  });

  it('refuses an unknown account (422, its field) and a taken number (409) after the read alone', async () => {
    const unknown = await harness.call('POST', '/v1/invoices', { body: request('9999999') });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({
      code: 'ACCOUNT.NOT_FOUND',
      details: [
        { field: 'accountNumber', code: 'not_found', message: 'no customer has this account number' },
      ],
    });
    const unknownCounted = await issueCounted(request('9999999'));
    expect(unknownCounted.outcome).toMatchObject({ status: 422, code: 'ACCOUNT.NOT_FOUND' });
    expect(unknownCounted.statements).toHaveLength(1);

    const { accounts } = await harness.createCustomer();
    const other = await harness.createCustomer();
    const body = request(accounts[0]);
    expect((await harness.call('POST', '/v1/invoices', { body })).status).toBe(201);
    // The number is taken whoever the invoice is for.
    for (const accountNumber of [accounts[0], other.accounts[0]]) {
      const again = await harness.call('POST', '/v1/invoices', { body: { ...body, accountNumber } });
      expect(again.status).toBe(409);
      expect(again.body.error.code).toBe('INVOICE.ALREADY_EXISTS');
      const againCounted = await issueCounted({ ...body, accountNumber });
      expect(againCounted.outcome).toMatchObject({ status: 409, code: 'INVOICE.ALREADY_EXISTS' });
      expect(againCounted.statements).toHaveLength(1);
    }
    const { invoices, events } = await rowsOf(body.invoiceNumber);
    expect(invoices).toHaveLength(1);
    expect(events).toHaveLength(1);
  });

  it('issues under the customer lock, then applies the credit, for a customer with credit', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    await giveCredit(customerId, 1200);
    const body = request(accounts[0]);
    const { statements, outcome } = await issueCounted(body);

    expect(statements[0]).toMatch(READ);
    expect(statements[1]).toBe('START TRANSACTION');
    expect(statements[2]).toMatch(LOCKED_READ);
    expect(statements[3]).toMatch(WRITE);
    expect(statements[3]).not.toMatch(GUARDED);
    expect(statements[statements.length - 1]).toBe('COMMIT');
    expect(outcome).toMatchObject({ invoiceAmountCents: 4500 });

    const { invoices, invoiceId } = await rowsOf(body.invoiceNumber);
    expect(invoices[0]).toMatchObject({ invoice_cents: 4500, due_cents: 3300, version: 2 });
    expect(await harness.customer(customerId)).toMatchObject({ creditBalanceCents: 0 });
    // The receipt found no open invoice; the new one takes the credit, in the order it happened.
    expect(await harness.outboxTypes(customerId)).toEqual([
      'customer.created',
      'invoice.issued',
      'invoice.balance-changed',
      'credit.applied',
    ]);
    const [applied] = await harness.outboxPayloads(customerId, 'credit.applied');
    expect(applied).toMatchObject({ appliedCents: 1200, applications: [{ invoiceId, amountCents: 1200 }] });
  });

  it("reads a customer's open credit lots through credit_lots_open_idx, not every lot it ever had", async () => {
    // A customer with a long history: 5 000 lots spent, one with credit left (with a few hundred, the
    // table is a handful of pages, and a sequential scan of them may cost the planner as little).
    const { customerId, accounts } = await harness.createCustomer();
    await harness.dataSource.query(
      `INSERT INTO invoice.credit_lots (customer_id, source_kind, source_id, amount_cents, remaining_cents, created_at)
       SELECT $1, 'receipt', gen_random_uuid(), 500, 0, now() - n * interval '1 day' FROM generate_series(1, 5000) AS n`,
      [customerId],
    );
    await giveCredit(customerId, 700);
    await harness.dataSource.query('ANALYZE invoice.credit_lots');

    // The plan for the value, and the plan made without it that a prepared statement may run.
    const [sql, parameters] = openCreditLotsQuery(
      harness.dataSource.manager,
      customerId,
    ).getQueryAndParameters();
    expect(await indexesOfPlans(harness.dataSource, sql, parameters as string[])).toEqual({
      custom: ['credit_lots_open_idx'],
      generic: ['credit_lots_open_idx'],
    });

    // And it is the read the credit is spent from: a new invoice takes the open lot's 700.
    const { outcome } = await issueCounted(request(accounts[0]));
    expect(outcome).toMatchObject({ invoiceAmountCents: 4500 });
    expect(await harness.customer(customerId)).toMatchObject({ creditBalanceCents: 0 });
    const [open]: { remaining: number }[] = await harness.dataSource.query(
      `SELECT sum(remaining_cents)::int AS remaining FROM invoice.credit_lots WHERE customer_id = $1`,
      [customerId],
    );
    expect(open).toEqual({ remaining: 0 });
  });

  it.each([
    [
      'switched to paper billing',
      async (customerId: string) => {
        await harness.dataSource.query(
          `UPDATE invoice.customers SET billing_delivery = 'paper' WHERE customer_id = $1`,
          [customerId],
        );
      },
      { invoice_cents: 5500, due_cents: 5500, version: 1 },
    ],
    [
      'received credit',
      (customerId: string) => giveCredit(customerId, 700),
      { invoice_cents: 4500, due_cents: 3800, version: 2 },
    ],
  ])(
    'issues under the lock when the customer %s between the read and the write',
    async (_, change, expected) => {
      const { customerId, accounts } = await harness.createCustomer();
      const invoices = harness.app.get(InvoicesService);
      const issuerOf = invoices.issuerOf.bind(invoices);
      // Once: the locked read of the retry is the real one.
      const spy = jest.spyOn(invoices, 'issuerOf').mockImplementationOnce(async (...args) => {
        const issuer = await issuerOf(...args);
        await counted.exit(() => change(customerId));
        return issuer;
      });
      const body = request(accounts[0]);
      const { statements } = await issueCounted(body).finally(() => spy.mockRestore());

      expect(statements[0]).toMatch(READ);
      expect(statements[1]).toMatch(GUARDED); // wrote nothing: the customer is not as read
      expect(statements[2]).toBe('START TRANSACTION');
      expect(statements[3]).toMatch(LOCKED_READ);
      expect(statements[4]).toMatch(WRITE);
      expect(statements[statements.length - 1]).toBe('COMMIT');
      const rows = await rowsOf(body.invoiceNumber);
      expect(rows.invoices).toEqual([expect.objectContaining(expected)]);
      expect(rows.events.filter((event) => event.event_type === 'invoice.issued')).toHaveLength(1);
      expect(rows.fees).toHaveLength(expected.invoice_cents === 5500 ? 1 : 0);
    },
  );

  it.each([
    ['the same customer', true],
    ['another customer', false],
  ])(
    'answers 409 when %s committed the number while the request waited for its lock',
    async (_, sameCustomer) => {
      const mine = await harness.createCustomer();
      const theirs = sameCustomer ? mine : await harness.createCustomer();
      const body = request(mine.accounts[0]);
      let written!: () => void;
      const writtenOpened = new Promise<void>((resolve) => (written = resolve));
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      // Another issuing of the same number, its customer locked until released.
      const held = harness.dataSource.transaction(async (manager) => {
        const invoices = harness.app.get(InvoicesService);
        await invoices.lockCustomer(manager, theirs.customerId);
        await invoices.issue(manager, {
          invoiceNumber: body.invoiceNumber,
          customerId: theirs.customerId,
          accountNumber: theirs.accounts[0],
          invoiceDate: '2026-11-01',
          dueDate: '2026-12-01',
          lines: [{ description: 'Internet', amountCents: 100 }],
        });
        written();
        await released;
      });
      await writtenOpened;
      const response = harness.call('POST', '/v1/invoices', { body });
      // The write waits for the customer row (the same customer) or for the number in the unique
      // index (another customer); the read before it saw no such number.
      await lockWaitOf(harness.dataSource, '%FOR UPDATE OF customer%');
      release();
      await held;
      const answer = await response;
      expect(answer.status).toBe(409);
      expect(answer.body.error.code).toBe('INVOICE.ALREADY_EXISTS');
      const rows = await rowsOf(body.invoiceNumber);
      expect(rows.invoices).toEqual([
        expect.objectContaining({ customer_id: theirs.customerId, invoice_cents: 100 }),
      ]);
      expect(rows.events).toHaveLength(1);
      expect(await harness.outboxTypes(mine.customerId)).toEqual(
        sameCustomer ? ['customer.created', 'invoice.issued'] : ['customer.created'],
      );
    },
  );
});
