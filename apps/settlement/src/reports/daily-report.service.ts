import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { EventData, PaymentMethodType } from '@remit/contracts';
import { defaultFeePolicy } from '@remit/fees';
import { Outbox } from '@remit/messaging';
import { Clock } from '@remit/platform';

/** The daily settlement report: the data of `settlement-day.closed` (docs/architecture.md, "Settlement"). */
export type DailyReport = EventData<'settlement-day.closed'>;
/** The report of a day not closed yet: the same figures so far, `closedAt` null. */
export type DailyReportView = Omit<DailyReport, 'closedAt'> & { closedAt: string | null };

interface CountRow {
  key: string;
  count: string | number;
  cents: string | number;
}

/**
 * Finance ops' figures of one business day: per method, the payments posted on it (count and cents);
 * the ACH returns received that day by code, and the return fees they incur ($25.00 each, libs/fees);
 * the day's NACHA origination files. Returns and files live in tables of ACH origination
 * (`settlement.ach_returns`, `settlement.ach_files`); until those exist the report shows none.
 */
@Injectable()
export class DailyReportService {
  private readonly logger = new Logger(DailyReportService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
  ) {}

  /**
   * The day's figures as they stand, read with `manager` (so a closing transaction sees its own writes).
   * The posted payments' `status <> 'scheduled'` changes nothing (a payment is posted and no longer
   * scheduled in one update) but lets PostgreSQL read the day through settlement_payments_posted_day_idx,
   * whose predicate it is, rather than the whole table, which is never purged.
   */
  async build(
    businessDate: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<Omit<DailyReport, 'closedAt'>> {
    const postedRows = await manager.query<CountRow[]>(
      `SELECT method_type AS key, count(*) AS count, coalesce(sum(amount_cents), 0) AS cents
         FROM settlement.settlement_payments
        WHERE posting_date = $1 AND posted_at IS NOT NULL AND status <> 'scheduled'
        GROUP BY method_type ORDER BY method_type`,
      [businessDate],
    );
    const posted: DailyReport['posted'] = {};
    for (const row of postedRows) {
      posted[row.key as PaymentMethodType] = { count: Number(row.count), cents: Number(row.cents) };
    }
    const returns = (await this.tableExists(manager, 'settlement.ach_returns'))
      ? (
          await manager.query<CountRow[]>(
            `SELECT return_code AS key, count(*) AS count, coalesce(sum(amount_cents), 0) AS cents
               FROM settlement.ach_returns
              WHERE business_date = $1 AND matched
              GROUP BY return_code ORDER BY return_code`,
            [businessDate],
          )
        ).map((row) => ({ returnCode: row.key, count: Number(row.count), cents: Number(row.cents) }))
      : [];
    const returnCount = returns.reduce((total, entry) => total + entry.count, 0);
    const achFiles = (await this.tableExists(manager, 'settlement.ach_files'))
      ? (
          await manager.query<{ file_id: string }[]>(
            `SELECT file_id FROM settlement.ach_files WHERE business_date = $1 ORDER BY file_id`,
            [businessDate],
          )
        ).map((row) => row.file_id)
      : [];
    return {
      businessDate,
      posted,
      returns,
      // docs/architecture.md: "Any returned payment is charged a Return Fee of $25.00".
      returnFees: { count: returnCount, cents: returnCount * defaultFeePolicy.returnFee.amountCents },
      achFiles,
    };
  }

  /**
   * Closes the day's report once: stores it and publishes `settlement-day.closed` in the caller's
   * transaction. A day already closed changes nothing and returns the report as first published.
   */
  async publishClosed(
    manager: EntityManager,
    businessDate: string,
  ): Promise<{ published: boolean; report: DailyReport }> {
    // One closing per date, even when two closings race: the second waits here, then finds the row.
    await manager.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [
      `settlement-day-closed:${businessDate}`,
    ]);
    const existing = await this.stored(manager, businessDate);
    if (existing) return { published: false, report: existing };
    const closedAt = await this.clock.now();
    const report: DailyReport = {
      ...(await this.build(businessDate, manager)),
      closedAt: closedAt.toISOString(),
    };
    await manager.query(
      `INSERT INTO settlement.daily_reports (business_date, report, closed_at) VALUES ($1, $2, $3)`,
      [businessDate, JSON.stringify(report), closedAt],
    );
    await this.outbox.add(manager, {
      type: 'settlement-day.closed',
      // Reports are the platform's, not a customer's: keyed by the day so one day's stay in order.
      customerId: `settlement-day-${businessDate}`,
      subject: businessDate,
      data: report,
    });
    this.logger.log(`settlement day ${businessDate} closed`);
    return { published: true, report };
  }

  /** `GET /v1/settlement/reports/daily`: the closed day's report as published, or the open day's so far. */
  async view(businessDate: string): Promise<DailyReportView> {
    const closed = await this.stored(this.dataSource.manager, businessDate);
    if (closed) return closed;
    return { ...(await this.build(businessDate)), closedAt: null };
  }

  private async stored(manager: EntityManager, businessDate: string): Promise<DailyReport | undefined> {
    const [row] = await manager.query<{ report: DailyReport }[]>(
      `SELECT report FROM settlement.daily_reports WHERE business_date = $1`,
      [businessDate],
    );
    return row?.report;
  }

  private async tableExists(manager: EntityManager, name: string): Promise<boolean> {
    const [row] = await manager.query<
      {
        present: boolean;
      }[]
    >(`SELECT to_regclass($1) IS NOT NULL AS present`, [name]);
    return row?.present === true;
  }
}
