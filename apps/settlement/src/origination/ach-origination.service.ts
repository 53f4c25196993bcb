import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, LessThan } from 'typeorm';
import { equalsLiteral } from '@remit/persistence';
import { readNachaFile, writeNachaFile } from '@remit/ach';
import {
  addCalendarDays,
  businessDateOf,
  isBusinessDay,
  localDateTimeOf,
  nextBusinessDay,
  previousBusinessDay,
} from '@remit/calendar';
import { Outbox, qualifiedTableName } from '@remit/messaging';
import {
  AccountNumberCipher,
  AppError,
  Clock,
  REMIT_CONFIG,
  type Principal,
  type RemitConfig,
} from '@remit/platform';
import { failPayment } from '../postings/payment-failure';
import { SettlementPaymentEntity } from '../postings/settlement-payment.entity';
import { DailyReportService } from '../reports/daily-report.service';
import { AchEntryEntity } from './ach-entry.entity';
import { AchFileEntity } from './ach-file.entity';
import {
  fileIdModifierFor,
  originationFileInput,
  outboundFileName,
  traceNumberOf,
  type OriginationEntry,
} from './nacha-origination';
import { SettlementDayEntity } from './settlement-day.entity';

interface ReadableEntry {
  entry: AchEntryEntity;
  accountNumber: string;
}

/** What `GET /v1/settlement/ach-files` lists (never the content). */
export interface AchFileView {
  fileId: string;
  businessDate: string;
  fileIdModifier: string;
  entryCount: number;
  totalDebitCents: number;
  entryHash: string;
  createdAt: string;
}

export interface ClosedDay {
  businessDate: string;
  /** False when the day had been closed before (a later file then holds only entries not yet in one). */
  newlyClosed: boolean;
  file: AchFileView | null;
  /** The day could not be closed (its file could not be written): why. Other days still close. */
  error?: { code: string; message: string };
}

/** A run never reaches further back than this for days to close when none was ever closed. */
const MAX_DAYS_TO_CLOSE = 60;

export function toAchFileView(file: AchFileEntity): AchFileView {
  return {
    fileId: file.fileId,
    businessDate: file.businessDate,
    fileIdModifier: file.fileIdModifier,
    entryCount: file.entryCount,
    totalDebitCents: file.totalDebitCents,
    entryHash: file.entryHash,
    createdAt: file.createdAt.toISOString(),
  };
}

/**
 * ACH origination (docs/architecture.md, "ACH origination and returns"): at a business day's cutoff,
 * the day's pending debits go into one NACHA file, stored encrypted and written in clear to the
 * outbound folder for the transfer to the bank. Closing is serialised across replicas by an advisory
 * lock, so two closes never put one entry in two files.
 */
@Injectable()
export class AchOriginationService {
  private readonly logger = new Logger(AchOriginationService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly cipher: AccountNumberCipher,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
    private readonly reports: DailyReportService,
  ) {}

  /** The cutoff job: closes every business day whose cutoff has passed by the platform clock. */
  async closeAtCutoff(): Promise<ClosedDay[]> {
    const now = await this.clock.now();
    // The first business day still open for submissions: every business day before it is past its cutoff.
    return this.closeOpenDaysBefore(businessDateOf(now, { cutoff: this.config.achCutoff }));
  }

  /**
   * Closes every business day before `date` that is still open, and every earlier day that still has
   * entries not in a file (late arrivals). Days are those after the last day closed before `date` (on
   * a system that never closed one, only the business day before `date`), at most 60 days back.
   */
  async closeOpenDaysBefore(date: string): Promise<ClosedDay[]> {
    const days = new Set<string>();
    const pendingDays = await this.dataSource
      .getRepository(AchEntryEntity)
      .createQueryBuilder('entry')
      .select('DISTINCT entry.business_date', 'business_date')
      .where(`entry.status = 'pending' AND entry.business_date < :date`, { date })
      .getRawMany<{ business_date: string }>();
    for (const { business_date: pendingDay } of pendingDays) {
      if (isBusinessDay(pendingDay)) days.add(pendingDay);
      // Intake dates every submission on a business day; anything else is a bug to look at, not to file.
      else this.logger.error(`ACH entries dated ${pendingDay}, not a business day, are left pending`);
    }

    // The last day closed before `date` (not the last ever: a test clock may have run ahead and back).
    const [lastClosed] = await this.dataSource.getRepository(SettlementDayEntity).find({
      where: { businessDate: LessThan(date) },
      order: { businessDate: 'DESC' },
      take: 1,
    });
    const floor = addCalendarDays(date, -MAX_DAYS_TO_CLOSE);
    let day = lastClosed ? nextBusinessDay(lastClosed.businessDate) : previousBusinessDay(date);
    if (day < floor) day = isBusinessDay(floor) ? floor : nextBusinessDay(floor);
    for (; day < date; day = nextBusinessDay(day)) days.add(day);

    const closed: ClosedDay[] = [];
    for (const businessDate of [...days].sort()) {
      try {
        closed.push(await this.closeDay(businessDate));
      } catch (error) {
        // One day that cannot be closed must not hold back the others; it stays open, is retried by the
        // next run or cutoff, and is reported (the run's `failedDays`, this log line).
        const code =
          error instanceof Error && 'code' in error ? String(error.code) : 'SETTLEMENT.CLOSE_FAILED';
        const message = error instanceof Error ? error.message : String(error);
        this.logger.error(`settlement day ${businessDate} not closed (${code}): ${message}`);
        closed.push({ businessDate, newlyClosed: false, file: null, error: { code, message } });
      }
    }
    return closed;
  }

  /** Closes one business day: writes a file of its pending entries (if any) and records the day closed. */
  async closeDay(businessDate: string): Promise<ClosedDay> {
    if (!isBusinessDay(businessDate)) {
      throw AppError.unprocessable('SETTLEMENT.NOT_A_BUSINESS_DAY', `${businessDate} is not a business day`);
    }
    const outbound: { name: string; text: string }[] = [];
    const result = await this.dataSource.transaction(async (manager): Promise<ClosedDay> => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('remit.settlement.ach-origination'))`);
      const now = await this.clock.now();
      const entries = await manager.find(AchEntryEntity, {
        // The status written out: the predicate of ach_entries_pending_idx (equalsLiteral).
        where: { status: equalsLiteral('pending'), businessDate },
        order: { createdAt: 'ASC', paymentId: 'ASC' },
        lock: { mode: 'pessimistic_write' },
      });
      const inserted = await manager.query<unknown[]>(
        `INSERT INTO ${this.schema()}.settlement_days (business_date, closed_at) VALUES ($1, $2)
         ON CONFLICT (business_date) DO NOTHING RETURNING business_date`,
        [businessDate, now],
      );
      const newlyClosed = inserted.length > 0;
      const readable = await this.decryptOrFail(manager, entries, now);
      const file =
        readable.length > 0 ? await this.writeFile(manager, businessDate, readable, now, outbound) : null;
      // The day's report (`settlement-day.closed`), once per day, in the transaction that closes it.
      if (newlyClosed) await this.reports.publishClosed(manager, businessDate);
      return { businessDate, newlyClosed, file };
    });
    // Only once committed: a file in the outbound folder always has its entries marked in_file.
    for (const { name, text } of outbound) await this.writeOutbound(name, text);
    if (result.newlyClosed || result.file) {
      this.logger.log(
        `settlement day ${businessDate} closed${result.file ? `: ACH file ${result.file.fileId} (${result.file.fileIdModifier}), ${result.file.entryCount} debit(s), ${result.file.totalDebitCents} cents` : ' (no ACH debits)'}`,
      );
    }
    return result;
  }

  async listFiles(date?: string): Promise<AchFileView[]> {
    const files = await this.dataSource.getRepository(AchFileEntity).find({
      where: date === undefined ? {} : { businessDate: date },
      order: { businessDate: 'ASC', fileIdModifier: 'ASC' },
    });
    return files.map(toAchFileView);
  }

  /** The NACHA text of a file, for ops; every read is an audit line (who, which file — never the content). */
  async readFile(fileId: string, reader: Principal): Promise<string> {
    const file = await this.dataSource.getRepository(AchFileEntity).findOne({ where: { fileId } });
    if (!file) throw AppError.notFound('SETTLEMENT.ACH_FILE_NOT_FOUND', `no ACH file ${fileId}`);
    const text = this.cipher.decrypt(file.contentCiphertext, file.keyId, file.fileId);
    this.logger.log(
      `audit: ACH file ${file.fileId} (${file.businessDate} ${file.fileIdModifier}) read by ${reader.sub} (${reader.role})`,
    );
    return text;
  }

  private async writeFile(
    manager: EntityManager,
    businessDate: string,
    entries: ReadableEntry[],
    now: Date,
    outbound: { name: string; text: string }[],
  ): Promise<AchFileView> {
    const fileId = randomUUID();
    const fileIdModifier = fileIdModifierFor(await manager.count(AchFileEntity, { where: { businessDate } }));
    const sequences = await manager.query<{ n: string }[]>(
      `SELECT nextval('${this.schema()}.ach_trace_seq')::text AS n FROM generate_series(1, $1)`,
      [entries.length],
    );
    const lines: OriginationEntry[] = entries.map(({ entry, accountNumber }, index) => ({
      paymentId: entry.paymentId,
      customerId: entry.customerId,
      routingNumber: entry.routingNumber,
      accountNumber,
      amountCents: entry.amountCents,
      accountHolderName: entry.accountHolderName,
      traceNumber: traceNumberOf(this.config.ach.odfiRoutingNumber, Number(sequences[index]?.n)),
    }));
    const local = localDateTimeOf(now);
    const text = writeNachaFile(
      originationFileInput(this.config.ach, {
        businessDate,
        fileIdModifier,
        creationDate: local.date,
        creationTime: `${String(local.hour).padStart(2, '0')}${String(local.minute).padStart(2, '0')}`,
        entries: lines,
      }),
    );
    // Read back with the libs/ach reader: the stored totals are those of the file as the bank reads it.
    const control = readNachaFile(text).fileControl;
    const sealed = this.cipher.encrypt(text, fileId);
    const fileName = outboundFileName(businessDate, fileIdModifier, fileId);
    const file = manager.create(AchFileEntity, {
      fileId,
      businessDate,
      fileIdModifier,
      entryCount: entries.length,
      totalDebitCents: control.totalDebitCents,
      entryHash: String(control.entryHash),
      contentCiphertext: sealed.ciphertext,
      keyId: sealed.keyId,
      fileName,
      createdAt: now,
    });
    await manager.insert(AchFileEntity, file);
    // Every entry of the file in one statement (a statement per entry was most of a big day's close).
    await manager.query(
      `UPDATE ${qualifiedTableName(manager.connection, AchEntryEntity)} AS entry
          SET status = 'in_file', file_id = $1, trace_number = line.trace_number, updated_at = now()
         FROM unnest($2::uuid[], $3::text[]) AS line (payment_id, trace_number)
        WHERE entry.payment_id = line.payment_id`,
      [fileId, lines.map((line) => line.paymentId), lines.map((line) => line.traceNumber)],
    );
    const view = toAchFileView(file);
    await this.outbox.add(manager, {
      type: 'ach-file.created',
      // Reports are not about one customer; one key keeps them in order on settlement.reports.v1.
      customerId: 'settlement',
      subject: fileId,
      data: view,
    });
    outbound.push({ name: fileName, text });
    return view;
  }

  /**
   * The day's entries with their account numbers, decrypted here and only here (docs/architecture.md,
   * "Money and data"). An entry whose ciphertext does not open (a key no longer configured, a corrupt
   * row) is left out of the file rather than holding back everyone else's: the entry becomes `failed`,
   * its payment `failed` with `payment.failed` (code ACH.BANK_DATA_UNREADABLE), so it never posts.
   */
  private async decryptOrFail(
    manager: EntityManager,
    entries: AchEntryEntity[],
    now: Date,
  ): Promise<ReadableEntry[]> {
    const readable: ReadableEntry[] = [];
    for (const entry of entries) {
      let accountNumber: string;
      try {
        accountNumber = this.cipher.decrypt(entry.accountNumberCiphertext, entry.keyId, entry.paymentId);
      } catch (error) {
        await this.failUnreadable(manager, entry, now, error instanceof Error ? error.message : 'error');
        continue;
      }
      readable.push({ entry, accountNumber });
    }
    return readable;
  }

  private async failUnreadable(
    manager: EntityManager,
    entry: AchEntryEntity,
    now: Date,
    why: string,
  ): Promise<void> {
    const code = 'ACH.BANK_DATA_UNREADABLE';
    const reason = 'the bank account could not be read for the ACH file; the debit was not sent';
    await manager.update(AchEntryEntity, { paymentId: entry.paymentId }, { status: 'failed' });
    this.logger.error(
      `ACH entry of payment ${entry.paymentId} (key ${entry.keyId}) left out of the ${entry.businessDate} file: ${why}`,
    );
    const payment = await manager.findOneBy(SettlementPaymentEntity, { paymentId: entry.paymentId });
    if (payment) await failPayment(this.outbox, manager, payment, { code, reason, at: now }, 'scheduled');
  }

  /** The clear file for the bank transfer: mode 0600 in a 0700 folder, never overwritten. */
  private async writeOutbound(name: string, text: string): Promise<void> {
    const directory = path.resolve(this.config.ach.outboundDir);
    try {
      await mkdir(directory, { recursive: true, mode: 0o700 });
      await writeFile(path.join(directory, name), `${text}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // The file stays readable through GET /v1/settlement/ach-files/{fileId}; ops copy it from there.
      this.logger.error(
        `ACH file ${name} not written to the outbound folder (${error instanceof Error && 'code' in error ? String(error.code) : 'error'}); read it through the API`,
      );
    }
  }

  private schema(): string {
    return (this.dataSource.options as { schema?: string }).schema ?? 'settlement';
  }
}
