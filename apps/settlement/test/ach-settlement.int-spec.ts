import { randomInt, randomUUID } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import type { INestApplication, LoggerService } from '@nestjs/common';
import { Queue, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { Consumer, Kafka, Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { readNachaFile } from '@remit/ach';
import { addBusinessDays, isBusinessDay, nextBusinessDay } from '@remit/calendar';
import { createCloudEvent, Topics, type CloudEvent, type EventType } from '@remit/contracts';
import { cloudEventHeaders, createKafka, parseBrokers, waitFor } from '@remit/messaging';
import {
  AccountNumberCipher,
  bullConnectionOptions,
  createTestingApp,
  indexesOfPlans,
  loadConfig,
  signToken,
  StatementRecorder,
} from '@remit/platform';
import { ACH_CUTOFF_QUEUE, ACH_CUTOFF_SCHEDULER } from '../src/origination/ach-cutoff.queue';
import { AchCutoffProcessor } from '../src/origination/ach-cutoff.processor';
import { AchOriginationService } from '../src/origination/ach-origination.service';
import { SettlementModule } from '../src/settlement.module';
import { bankReplyFile } from './nacha-return-file';

/** Every line the service logs through Nest's Logger, kept to be scanned for account numbers. */
class CapturingLogger implements LoggerService {
  readonly lines: string[] = [];
  private keep = (...parts: unknown[]): void => {
    this.lines.push(parts.map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(' '));
  };
  log = this.keep;
  error = this.keep;
  warn = this.keep;
  debug = this.keep;
  verbose = this.keep;
  fatal = this.keep;
}

/** A random business day far from any other run's, so a day's file holds only this run's entries. */
function randomBusinessDate(): string {
  const year = 2040 + randomInt(50);
  const month = String(1 + randomInt(12)).padStart(2, '0');
  const day = String(1 + randomInt(28)).padStart(2, '0');
  const date = `${year}-${month}-${day}`;
  return isBusinessDay(date) ? date : nextBusinessDay(date);
}

const ROUTING_NUMBERS = ['021000021', '091000019', '011000015', '026009593', '121000248'];

describe('settlement ACH origination, returns, notices of change and cancel (real PostgreSQL, Redis, Kafka)', () => {
  const config = loadConfig();
  const opsToken = signToken({ sub: 'ops-ach-test', role: 'ops', customers: [] }, config.authJwtSecret);
  const customerToken = signToken(
    { sub: 'customer-ach-test', role: 'customer', customers: ['c'] },
    config.authJwtSecret,
  );
  const logger = new CapturingLogger();
  const startedAt = new Date();
  /** Every clear account number these tests put into payments or NOC files. */
  const accountNumbers: string[] = [];
  const kafkaValues: string[] = [];
  let app: INestApplication;
  let url: string;
  let dataSource: DataSource;
  let cipher: AccountNumberCipher;
  let kafka: Kafka;
  let producer: Producer;
  let reader: Consumer;

  function newAccountNumber(): string {
    const accountNumber = `7${String(randomInt(1e9)).padStart(9, '0')}${randomInt(10, 99)}`;
    accountNumbers.push(accountNumber);
    return accountNumber;
  }

  interface TestPayment {
    paymentId: string;
    customerId: string;
    amountCents: number;
    routingNumber: string;
    accountNumber: string;
    paymentMethodId?: string;
  }

  async function submit(
    businessDate: string,
    options: { type?: 'ach' | 'saved'; amountCents?: number } = {},
  ): Promise<TestPayment> {
    const payment: TestPayment = {
      paymentId: randomUUID(),
      customerId: `ach-${randomUUID().slice(0, 8)}`,
      amountCents: options.amountCents ?? 1000 + randomInt(1_000_000),
      routingNumber: ROUTING_NUMBERS[randomInt(ROUTING_NUMBERS.length)],
      accountNumber: newAccountNumber(),
      ...(options.type === 'saved' ? { paymentMethodId: `pm-${randomUUID()}` } : {}),
    };
    const sealed = cipher.encrypt(payment.accountNumber, payment.paymentId);
    const event = createCloudEvent({
      type: 'payment.submitted',
      source: 'remit/payment-intake',
      customerId: payment.customerId,
      subject: payment.paymentId,
      data: {
        paymentId: payment.paymentId,
        customerId: payment.customerId,
        amountCents: payment.amountCents,
        currency: 'USD',
        method: {
          type: options.type ?? 'ach',
          last4: payment.accountNumber.slice(-4),
          bankAccount: {
            routingNumber: payment.routingNumber,
            accountNumberCiphertext: sealed.ciphertext,
            keyId: sealed.keyId,
          },
          accountHolderName: 'Acme Test Co',
          ...(payment.paymentMethodId ? { paymentMethodId: payment.paymentMethodId } : {}),
        },
        invoices: [{ invoiceId: randomUUID(), amountCents: payment.amountCents }],
        submittedAt: new Date().toISOString(),
        businessDate,
      },
    });
    await publish(event);
    await waitFor(() => entryOf(payment.paymentId), {
      timeoutMs: 30_000,
      what: `ACH entry ${payment.paymentId}`,
    });
    return payment;
  }

  async function publish(event: CloudEvent): Promise<void> {
    await producer.send({
      topic: Topics.intakePayments,
      messages: [{ key: event.customerid, value: JSON.stringify(event), headers: cloudEventHeaders(event) }],
    });
  }

  async function entryOf(paymentId: string): Promise<Record<string, unknown> | undefined> {
    const [row] = await dataSource.query<Record<string, unknown>[]>(
      `SELECT status, trace_number, file_id FROM settlement.ach_entries WHERE payment_id = $1`,
      [paymentId],
    );
    return row;
  }

  async function http(
    method: string,
    route: string,
    body?: unknown,
    options: { token?: string; contentType?: string } = {},
  ): Promise<{ status: number; text: string; json: () => any }> {
    const response = await fetch(`${url}${route}`, {
      method,
      headers: {
        authorization: `Bearer ${options.token ?? opsToken}`,
        ...(body === undefined ? {} : { 'content-type': options.contentType ?? 'application/json' }),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, text, json: () => JSON.parse(text) };
  }

  function eventsOf<T extends EventType>(type: T, subject: string): CloudEvent<T>[] {
    return kafkaValues
      .map((value) => JSON.parse(value) as CloudEvent)
      .filter((event): event is CloudEvent<T> => event.type === type && event.subject === subject);
  }

  async function outboxCount(type: EventType, subject: string): Promise<number> {
    const [row] = await dataSource.query<{ n: number }[]>(
      `SELECT count(*)::int AS n FROM settlement.outbox_events WHERE event_type = $1 AND payload->>'subject' = $2`,
      [type, subject],
    );
    return row?.n ?? 0;
  }

  beforeAll(async () => {
    ({ app, url } = await createTestingApp(SettlementModule));
    app.useLogger(logger);
    dataSource = app.get(DataSource);
    cipher = app.get(AccountNumberCipher);
    kafka = createKafka({
      clientId: `ach-test-${randomUUID().slice(0, 8)}`,
      brokers: parseBrokers(config.kafkaBrokers.join(',')),
    });
    producer = kafka.producer();
    await producer.connect();
    reader = kafka.consumer({ groupId: `ach-test-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
    await reader.connect();
    await reader.subscribe({
      topics: [Topics.intakePayments, Topics.settlementPayments, Topics.settlementReports],
      fromBeginning: true,
    });
    await reader.run({
      eachMessage: ({ message }) => {
        if (message.value) kafkaValues.push(message.value.toString('utf8'));
        return Promise.resolve();
      },
    });
  });

  afterAll(async () => {
    await http('DELETE', '/v1/test/clock').catch(() => undefined);
    await reader?.disconnect();
    await producer?.disconnect();
    await app?.close();
  });

  it('keeps the bank data of ach and saved payments as ciphertext, for the day of the submission', async () => {
    const date = randomBusinessDate();
    const ach = await submit(date);
    const saved = await submit(date, { type: 'saved' });
    const rows = await dataSource.query<Record<string, string>[]>(
      `SELECT payment_id, method_type, payment_method_id, routing_number, account_number_ciphertext, key_id, business_date::text AS business_date, status
         FROM settlement.ach_entries WHERE payment_id = ANY($1) ORDER BY method_type`,
      [[ach.paymentId, saved.paymentId]],
    );
    expect(rows.map((row) => [row.method_type, row.status, row.business_date])).toEqual([
      ['ach', 'pending', date],
      ['saved', 'pending', date],
    ]);
    expect(rows[1]?.payment_method_id).toBe(saved.paymentMethodId);
    for (const [row, payment] of [
      [rows[0], ach],
      [rows[1], saved],
    ] as const) {
      expect(row.routing_number).toBe(payment.routingNumber);
      expect(row.account_number_ciphertext).not.toContain(payment.accountNumber);
      expect(cipher.decrypt(row.account_number_ciphertext, row.key_id, payment.paymentId)).toBe(
        payment.accountNumber,
      );
    }
  });

  it('leaves an entry whose bank account cannot be read out of the file and fails its payment, not the day', async () => {
    const date = randomBusinessDate();
    const good = await submit(date);
    const unreadable = await submit(date);
    // What a key no longer configured, or a corrupt row, looks like to the file writer.
    await dataSource.query(`UPDATE settlement.ach_entries SET key_id = 'retired-key' WHERE payment_id = $1`, [
      unreadable.paymentId,
    ]);
    const closed = await app.get(AchOriginationService).closeDay(date);
    expect(closed.file).toMatchObject({ entryCount: 1, totalDebitCents: good.amountCents });
    expect(await entryOf(good.paymentId)).toMatchObject({ status: 'in_file' });
    expect(await entryOf(unreadable.paymentId)).toMatchObject({ status: 'failed', file_id: null });
    const [payment] = await dataSource.query<Record<string, string>[]>(
      `SELECT status, failure_code FROM settlement.settlement_payments WHERE payment_id = $1`,
      [unreadable.paymentId],
    );
    expect(payment).toEqual({ status: 'failed', failure_code: 'ACH.BANK_DATA_UNREADABLE' });
    expect(await outboxCount('payment.failed', unreadable.paymentId)).toBe(1);
    expect(await outboxCount('payment.failed', good.paymentId)).toBe(0);
  });

  it("reads a day's pending entries through ach_entries_pending_idx, in the plan made for the day and in the generic one", async () => {
    const date = randomBusinessDate();
    const pending = await submit(date);
    // A history: 2 000 entries of other days, long filed away (copies of this one, canceled).
    await dataSource.query(
      `INSERT INTO settlement.ach_entries
       SELECT (jsonb_populate_record(NULL::settlement.ach_entries, to_jsonb(entry) || jsonb_build_object(
                 'payment_id', gen_random_uuid(), 'status', 'canceled', 'business_date', $2::date - n))).*
         FROM settlement.ach_entries entry, generate_series(1, 2000) AS n
        WHERE entry.payment_id = $1`,
      [pending.paymentId, date],
    );
    await dataSource.query('ANALYZE settlement.ach_entries');

    const statements = await new StatementRecorder().record(() =>
      app.get(AchOriginationService).closeDay(date),
    );
    expect(await entryOf(pending.paymentId)).toMatchObject({ status: 'in_file' });
    // The day's entries, locked; the status written out (equalsLiteral), the day the one parameter.
    const [read, ...others] = statements.filter((sql) =>
      /^SELECT .* FROM "settlement"\."ach_entries"/.test(sql),
    );
    expect(others).toEqual([]);
    expect(read).toContain(`"status" = 'pending'`);
    expect(read.match(/\$\d+/g)).toEqual(['$1']);
    expect(await indexesOfPlans(dataSource, read, [date])).toEqual({
      custom: ['ach_entries_pending_idx'],
      generic: ['ach_entries_pending_idx'],
    });
  });

  it("writes a day's NACHA file that the libs/ach reader reads back: entries, totals, entry hash, trace numbers", async () => {
    const date = randomBusinessDate();
    const payments = [await submit(date), await submit(date), await submit(date, { type: 'saved' })];
    const origination = app.get(AchOriginationService);
    const closed = await origination.closeDay(date);
    expect(closed).toMatchObject({ businessDate: date, newlyClosed: true });
    expect(closed.file).toMatchObject({ businessDate: date, fileIdModifier: 'A', entryCount: 3 });

    const listed = await http('GET', `/v1/settlement/ach-files?date=${date}`);
    expect(listed.status).toBe(200);
    expect(listed.json()).toEqual([closed.file]);
    const fileId = closed.file!.fileId;
    const download = await http('GET', `/v1/settlement/ach-files/${fileId}`);
    expect(download.status).toBe(200);
    const file = readNachaFile(download.text);

    expect(file.fileHeader).toMatchObject({
      immediateDestination: config.ach.immediateDestination,
      immediateOrigin: config.ach.immediateOrigin,
      fileIdModifier: 'A',
    });
    expect(file.batches).toHaveLength(1);
    const batch = file.batches[0];
    expect(batch.header).toMatchObject({
      standardEntryClass: 'CCD',
      serviceClassCode: 225,
      companyName: config.ach.companyName,
      companyIdentification: config.ach.companyId,
      originatingDfi: config.ach.odfiRoutingNumber.slice(0, 8),
      effectiveEntryDate: nextBusinessDay(date),
    });
    const traces = new Map<string, string>();
    for (const payment of payments) {
      traces.set(payment.paymentId, String((await entryOf(payment.paymentId))?.trace_number));
    }
    expect(
      batch.entries
        .map((entry) => [
          entry.transactionCode,
          entry.routingNumber,
          entry.accountNumber,
          entry.amountCents,
          entry.traceNumber,
        ])
        .sort(),
    ).toEqual(
      payments
        .map((payment) => [
          27,
          payment.routingNumber,
          payment.accountNumber,
          payment.amountCents,
          traces.get(payment.paymentId),
        ])
        .sort(),
    );
    for (const trace of traces.values())
      expect(trace).toMatch(new RegExp(`^${config.ach.odfiRoutingNumber.slice(0, 8)}\\d{7}$`));
    const totalCents = payments.reduce((sum, payment) => sum + payment.amountCents, 0);
    const entryHash =
      payments.reduce((sum, payment) => sum + Number(payment.routingNumber.slice(0, 8)), 0) % 1e10;
    expect(file.fileControl).toMatchObject({
      totalDebitCents: totalCents,
      totalCreditCents: 0,
      entryHash,
      entryAddendaCount: 3,
    });
    expect(closed.file).toMatchObject({ totalDebitCents: totalCents, entryHash: String(entryHash) });
    for (const payment of payments) {
      expect(await entryOf(payment.paymentId)).toMatchObject({ status: 'in_file', file_id: fileId });
    }

    // The outbound folder holds the same text, readable by its owner only.
    const [stored] = await dataSource.query<{ file_name: string; content_ciphertext: string }[]>(
      `SELECT file_name, content_ciphertext FROM settlement.ach_files WHERE file_id = $1`,
      [fileId],
    );
    const outbound = path.resolve(config.ach.outboundDir, stored.file_name);
    expect((await readFile(outbound, 'utf8')).trimEnd()).toBe(download.text);
    expect((await stat(outbound)).mode & 0o777).toBe(0o600);
    expect(stored.content_ciphertext).not.toContain(payments[0].accountNumber);

    // Reading a file is ops only, and each read is an audit line without the content.
    expect(
      (await http('GET', `/v1/settlement/ach-files/${fileId}`, undefined, { token: customerToken })).status,
    ).toBe(403);
    expect(
      logger.lines.some(
        (line) => line.includes(`audit: ACH file ${fileId}`) && line.includes('ops-ach-test'),
      ),
    ).toBe(true);

    await waitFor(() => (eventsOf('ach-file.created', fileId).length > 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'ach-file.created on settlement.reports.v1',
    });
    expect(eventsOf('ach-file.created', fileId)[0]?.data).toMatchObject({
      fileId,
      businessDate: date,
      fileIdModifier: 'A',
      entryCount: 3,
      totalDebitCents: totalCents,
      entryHash: String(entryHash),
    });

    // A late entry for a closed day goes into a second file of that day (B), alone.
    const late = await submit(date);
    const again = await origination.closeDay(date);
    expect(again).toMatchObject({
      newlyClosed: false,
      file: { fileIdModifier: 'B', entryCount: 1, totalDebitCents: late.amountCents },
    });
    const second = readNachaFile((await http('GET', `/v1/settlement/ach-files/${again.file!.fileId}`)).text);
    expect(second.batches[0].entries.map((entry) => entry.amountCents)).toEqual([late.amountCents]);
    // Nothing left: closing again writes no file.
    expect((await origination.closeDay(date)).file).toBeNull();
  });

  it('closes business days only', async () => {
    await expect(app.get(AchOriginationService).closeDay('2026-11-28')).rejects.toMatchObject({
      code: 'SETTLEMENT.NOT_A_BUSINESS_DAY',
    });
  });

  it('registers the cutoff job scheduler in America/New_York', async () => {
    const queue = new Queue(ACH_CUTOFF_QUEUE, { connection: bullConnectionOptions(config), prefix: 'remit' });
    try {
      const scheduler = await waitFor(
        async () => (await queue.getJobScheduler(ACH_CUTOFF_SCHEDULER)) ?? undefined,
        {
          what: 'the ACH cutoff scheduler',
        },
      );
      expect(scheduler).toMatchObject({ pattern: '0 17 * * 1-5', tz: 'America/New_York' });
    } finally {
      await queue.close();
    }
  });

  it('closes a business day at its cutoff by the platform clock, and not before', async () => {
    const date = randomBusinessDate();
    const payment = await submit(date);
    const processor = app.get(AchCutoffProcessor);
    // 10:00 or 11:00 in New York: before the 17:00 cutoff.
    expect((await http('PUT', '/v1/test/clock', { now: `${date}T15:00:00Z` })).status).toBe(200);
    expect((await processor.process({} as Job)).closedDays).not.toContain(date);
    expect(await entryOf(payment.paymentId)).toMatchObject({ status: 'pending' });
    // 17:30 or 18:30 in New York: past the cutoff.
    expect((await http('PUT', '/v1/test/clock', { now: `${date}T22:30:00Z` })).status).toBe(200);
    expect((await processor.process({} as Job)).closedDays).toContain(date);
    expect(await entryOf(payment.paymentId)).toMatchObject({ status: 'in_file' });
    expect((await http('DELETE', '/v1/test/clock')).status).toBe(200);
  });

  describe('after a run that closed missed days', () => {
    const day1 = randomBusinessDate();
    const day2 = nextBusinessDay(day1);
    const asOf = addBusinessDays(day1, 2);
    let onDay1: TestPayment[] = [];
    let onDay2: TestPayment;
    let day1File = '';

    it('closes every open day before asOf, posts what is due, and writes their files', async () => {
      onDay1 = [await submit(day1), await submit(day1, { type: 'saved' }), await submit(day1)];
      onDay2 = await submit(day2);
      expect((await http('PUT', '/v1/test/clock', { now: `${asOf}T15:00:00Z` })).status).toBe(200);
      const run = await http('POST', '/v1/settlement/run', { asOf });
      expect(run.status).toBe(200);
      const result = run.json();
      expect(result.closedDays).toEqual(expect.arrayContaining([day1, day2]));
      // Posted by the run (or by their job or the sweep, which the moved clock may fire first).
      const statuses = await dataSource.query<{ status: string }[]>(
        `SELECT status FROM settlement.settlement_payments WHERE payment_id = ANY($1)`,
        [[onDay1[0].paymentId, onDay1[2].paymentId]],
      );
      expect(statuses.map((row) => row.status)).toEqual(['posted', 'posted']);
      const days = await dataSource.query<{ d: string }[]>(
        `SELECT business_date::text AS d FROM settlement.settlement_days WHERE business_date = ANY($1)`,
        [[day1, day2]],
      );
      expect(days.map((row) => row.d).sort()).toEqual([day1, day2]);
      for (const payment of [...onDay1, onDay2])
        expect(await entryOf(payment.paymentId)).toMatchObject({ status: 'in_file' });
      const files = (await http('GET', `/v1/settlement/ach-files?date=${day1}`)).json();
      expect(files).toHaveLength(1);
      day1File = (await http('GET', `/v1/settlement/ach-files/${files[0].fileId}`)).text;
      expect(readNachaFile(day1File).fileControl.entryAddendaCount).toBe(3);
      // Run again: nothing new to close.
      const rerun = (await http('POST', '/v1/settlement/run', { asOf })).json();
      expect(rerun.achFiles).toEqual([]);
    });

    it('returns a posted payment once, even when the return file is fed twice; unmatched returns are kept', async () => {
      const [posted, saved, untouched] = onDay1 as [TestPayment, TestPayment, TestPayment];
      const trace = async (payment: TestPayment) => String((await entryOf(payment.paymentId))?.trace_number);
      const returnFile = bankReplyFile(
        day1File,
        [
          { kind: 'return', originalTraceNumber: await trace(posted), returnCode: 'R01' },
          { kind: 'return', originalTraceNumber: await trace(saved), returnCode: 'R02' },
        ],
        [{ routingNumber: '021000021', accountNumber: newAccountNumber(), amountCents: 4242 }],
      );
      const first = await http('POST', '/v1/settlement/ach-returns', returnFile, {
        contentType: 'text/plain',
      });
      expect(first.status).toBe(200);
      expect(first.json()).toMatchObject({ applied: 2, duplicates: 0, unmatched: 1 });
      const second = await http('POST', '/v1/settlement/ach-returns', returnFile, {
        contentType: 'text/plain',
      });
      expect(second.json()).toMatchObject({ applied: 0, duplicates: 3, unmatched: 0 });
      // An ops return of the same payment is a duplicate too.
      const ops = await http('POST', '/v1/settlement/ach-returns', {
        paymentId: posted.paymentId,
        returnCode: 'R01',
      });
      expect(ops.json()).toMatchObject({ applied: 0, duplicates: 1 });

      const [payment] = await dataSource.query<{ status: string }[]>(
        `SELECT status FROM settlement.settlement_payments WHERE payment_id = $1`,
        [posted.paymentId],
      );
      expect(payment?.status).toBe('returned');
      expect(await entryOf(posted.paymentId)).toMatchObject({ status: 'returned' });
      expect(await entryOf(untouched.paymentId)).toMatchObject({ status: 'in_file' });
      const returns = await dataSource.query<
        { payment_id: string; return_code: string; amount_cents: string; matched: boolean }[]
      >(
        `SELECT payment_id, return_code, amount_cents, matched FROM settlement.ach_returns WHERE payment_id = ANY($1) ORDER BY return_code`,
        [[posted.paymentId, saved.paymentId]],
      );
      expect(
        returns.map((row) => [row.payment_id, row.return_code, Number(row.amount_cents), row.matched]),
      ).toEqual([
        [posted.paymentId, 'R01', posted.amountCents, true],
        [saved.paymentId, 'R02', saved.amountCents, true],
      ]);
      expect(await outboxCount('payment.returned', posted.paymentId)).toBe(1);
      expect(await outboxCount('payment.returned', saved.paymentId)).toBe(1);
      await waitFor(
        () =>
          eventsOf('payment.returned', saved.paymentId).length > 0 &&
          eventsOf('payment.returned', posted.paymentId).length > 0
            ? true
            : undefined,
        { timeoutMs: 30_000, what: 'payment.returned on settlement.payments.v1' },
      );
      expect(eventsOf('payment.returned', posted.paymentId)[0]?.data).toMatchObject({
        returnCode: 'R01',
        returnDescription: 'Insufficient Funds',
        returnClass: 're-presentable',
        amountCents: posted.amountCents,
      });
      expect(eventsOf('payment.returned', saved.paymentId)[0]?.data).toMatchObject({
        returnCode: 'R02',
        returnClass: 'account-level',
        paymentMethodId: saved.paymentMethodId,
      });

      const unmatched = (await http('GET', '/v1/settlement/ach-returns?status=unmatched')).json();
      expect(unmatched).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ returnCode: 'R03', amountCents: 4242, matched: false, paymentId: null }),
        ]),
      );
      expect((await http('GET', '/v1/settlement/ach-returns')).status).toBe(200);
      // A return ops cannot attribute: 404; a file that is not NACHA: 422.
      expect(
        (await http('POST', '/v1/settlement/ach-returns', { paymentId: randomUUID(), returnCode: 'R01' }))
          .status,
      ).toBe(404);
      const bad = await http('POST', '/v1/settlement/ach-returns', 'not a nacha file', {
        contentType: 'text/plain',
      });
      expect(bad.status).toBe(422);
      expect(bad.json().error.code).toBe('SETTLEMENT.RETURN_FILE_INVALID');
      expect(
        (await http('POST', '/v1/settlement/ach-returns', '  ', { contentType: 'text/plain' })).status,
      ).toBe(400);
      expect(
        (await http('POST', '/v1/settlement/ach-returns', { paymentId: posted.paymentId, returnCode: 'R99' }))
          .status,
      ).toBe(400);
      const matched = (await http('GET', '/v1/settlement/ach-returns?status=matched')).json() as {
        paymentId: string | null;
      }[];
      expect(matched.map((row) => row.paymentId)).toEqual(
        expect.arrayContaining([posted.paymentId, saved.paymentId]),
      );
      expect(matched.every((row) => row.paymentId !== null)).toBe(true);
      // Returns are for ops only.
      expect(
        (await http('GET', '/v1/settlement/ach-returns', undefined, { token: customerToken })).status,
      ).toBe(403);
    });

    it('records a notification of change and publishes the corrected account only as ciphertext', async () => {
      const target = onDay1[2];
      const corrected = newAccountNumber();
      const traceNumber = String((await entryOf(target.paymentId))?.trace_number);
      const nocFile = bankReplyFile(day1File, [
        { kind: 'notice', originalTraceNumber: traceNumber, changeCode: 'C01', correctedData: corrected },
      ]);
      const response = await http('POST', '/v1/settlement/ach-returns', nocFile, {
        contentType: 'text/plain',
      });
      expect(response.json()).toMatchObject({ applied: 0, noticesOfChange: 1 });
      expect(
        (await http('POST', '/v1/settlement/ach-returns', nocFile, { contentType: 'text/plain' })).json(),
      ).toMatchObject({
        noticesOfChange: 0,
      });
      const [notice] = await dataSource.query<Record<string, string>[]>(
        `SELECT change_code, corrected_account_ciphertext, corrected_account_key_id, corrected_account_last4 FROM settlement.ach_notices_of_change WHERE payment_id = $1`,
        [target.paymentId],
      );
      expect(notice).toMatchObject({ change_code: 'C01', corrected_account_last4: corrected.slice(-4) });
      expect(
        cipher.decrypt(
          notice.corrected_account_ciphertext,
          notice.corrected_account_key_id,
          target.paymentId,
        ),
      ).toBe(corrected);
      await waitFor(
        () => (eventsOf('payment.notice-of-change', target.paymentId).length > 0 ? true : undefined),
        {
          timeoutMs: 30_000,
          what: 'payment.notice-of-change',
        },
      );
      const event = eventsOf('payment.notice-of-change', target.paymentId)[0];
      expect(event.data).toMatchObject({
        changeCode: 'C01',
        description: 'Incorrect bank account number',
        correctedAccountNumber: { last4: corrected.slice(-4) },
      });
      expect(
        cipher.decrypt(
          event.data.correctedAccountNumber!.ciphertext,
          event.data.correctedAccountNumber!.keyId,
          target.paymentId,
        ),
      ).toBe(corrected);
    });
  });

  it('cancels a payment before its file is written, and leaves one already in a file', async () => {
    const date = randomBusinessDate();
    const canceled = await submit(date);
    const kept = await submit(date);
    const cancelRequested = (payment: TestPayment) =>
      createCloudEvent({
        type: 'payment.cancel-requested',
        source: 'remit/payment-intake',
        customerId: payment.customerId,
        subject: payment.paymentId,
        data: {
          paymentId: payment.paymentId,
          customerId: payment.customerId,
          amountCents: payment.amountCents,
          method: { type: 'ach', last4: payment.accountNumber.slice(-4) },
          requestedAt: new Date().toISOString(),
        },
      });
    await publish(cancelRequested(canceled));
    await waitFor(
      async () => ((await entryOf(canceled.paymentId))?.status === 'canceled' ? true : undefined),
      {
        timeoutMs: 30_000,
        what: 'the entry canceled',
      },
    );
    const [payment] = await dataSource.query<{ status: string }[]>(
      `SELECT status FROM settlement.settlement_payments WHERE payment_id = $1`,
      [canceled.paymentId],
    );
    expect(payment?.status).toBe('canceled');
    expect(await outboxCount('payment.canceled', canceled.paymentId)).toBe(1);

    // Never sent to the bank, so it cannot come back as a return.
    const notOriginated = await http('POST', '/v1/settlement/ach-returns', {
      paymentId: kept.paymentId,
      returnCode: 'R01',
    });
    expect(notOriginated.status).toBe(422);
    expect(notOriginated.json().error.code).toBe('SETTLEMENT.NOT_ORIGINATED');

    const closed = await app.get(AchOriginationService).closeDay(date);
    expect(closed.file).toMatchObject({ entryCount: 1, totalDebitCents: kept.amountCents });
    expect(await entryOf(canceled.paymentId)).toMatchObject({ status: 'canceled', file_id: null });

    // Too late for the one in the file: it stays, nothing is published.
    await publish(cancelRequested(kept));
    await waitFor(
      () =>
        logger.lines.some((line) =>
          line.includes(`payment ${kept.paymentId}: cancel requested after its ACH file`),
        )
          ? true
          : undefined,
      { timeoutMs: 30_000, what: 'the late cancel warning' },
    );
    expect(await entryOf(kept.paymentId)).toMatchObject({ status: 'in_file' });
    expect(await outboxCount('payment.canceled', kept.paymentId)).toBe(0);
    await waitFor(() => (eventsOf('payment.canceled', canceled.paymentId).length > 0 ? true : undefined), {
      timeoutMs: 30_000,
      what: 'payment.canceled on settlement.payments.v1',
    });
  });

  it('leaves no clear account number in the rows, topics, Redis keys or logs these tests produced', async () => {
    expect(accountNumbers.length).toBeGreaterThan(10);
    // Everything these tests published has reached the reader.
    const ids = (
      await dataSource.query<{ id: string }[]>(
        `SELECT id FROM settlement.outbox_events WHERE created_at >= $1`,
        [startedAt],
      )
    ).map((row) => row.id);
    expect(ids.length).toBeGreaterThan(0);
    await waitFor(
      () => {
        const seen = new Set(kafkaValues.map((value) => (JSON.parse(value) as CloudEvent).id));
        return ids.every((id) => seen.has(id)) ? true : undefined;
      },
      { timeoutMs: 60_000, what: 'every event of this run on Kafka' },
    );
    const tables = await dataSource.query<{ table_name: string }[]>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'settlement' AND table_type = 'BASE TABLE'`,
    );
    expect(tables.map((table) => table.table_name)).toEqual(
      expect.arrayContaining([
        'ach_entries',
        'ach_files',
        'ach_returns',
        'ach_notices_of_change',
        'outbox_events',
      ]),
    );
    const ciphertextColumns = new Set([
      'account_number_ciphertext',
      'content_ciphertext',
      'corrected_account_ciphertext',
    ]);
    const found: string[] = [];
    for (const { table_name: table } of tables) {
      const rows = await dataSource.query<Record<string, unknown>[]>(`SELECT * FROM settlement."${table}"`);
      for (const row of rows) {
        const text = JSON.stringify(Object.entries(row).filter(([column]) => !ciphertextColumns.has(column)));
        for (const accountNumber of accountNumbers)
          if (text.includes(accountNumber)) found.push(`${table}: ${accountNumber}`);
      }
    }
    const redis = new Redis(config.redisUrl);
    try {
      const keys = await redis.keys('*');
      const dumps: string[] = [keys.join('\n')];
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === 'string') dumps.push(String(await redis.get(key)));
        if (type === 'hash') dumps.push(JSON.stringify(await redis.hgetall(key)));
        if (type === 'list') dumps.push(JSON.stringify(await redis.lrange(key, 0, -1)));
      }
      for (const [where, texts] of [
        ['kafka', kafkaValues],
        ['redis', dumps],
        ['logs', logger.lines],
      ] as const) {
        for (const text of texts) {
          for (const accountNumber of accountNumbers)
            if (text.includes(accountNumber)) found.push(`${where}: ${accountNumber}`);
        }
      }
    } finally {
      redis.disconnect();
    }
    expect(kafkaValues.length).toBeGreaterThan(0);
    expect(found).toEqual([]);
  });
});
