import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { qualifiedTableName } from '@remit/messaging';
import { SqlParameters } from '@remit/persistence';
import { assertBalanced, customerBalanceDelta, type Journal } from './journal';
import { JournalEntity } from './journal.entity';
import { LedgerEntryEntity } from './ledger-entry.entity';

export interface LedgerVerification {
  balanced: boolean;
  debitsCents: number;
  creditsCents: number;
  /** Journals whose own debits differ from their credits (the database refuses them; always 0). */
  unbalancedJournals: number;
}

export interface ActivityLine {
  entryId: string;
  journalId: string;
  kind: string;
  account: string;
  debitCents: number;
  creditCents: number;
  /** What the line adds to what the customer owes (receivable up, credit down); negative lowers it. */
  amountCents: number;
  /** What the customer owes after this line: receivable minus credit, up to and including it. */
  balanceCents: number;
  memo: string;
  createdAt: string;
}

export interface ActivityPage {
  items: ActivityLine[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** The customer-facing accounts: what the customer owes and what we owe the customer. */
const CUSTOMER_ACCOUNTS = ['accounts_receivable', 'customer_credit'];

@Injectable()
export class LedgerService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Writes a balanced journal inside the caller's transaction: checked here first, and again by the
   * database at commit (a deferred constraint trigger), so no code path can leave it unbalanced.
   */
  async record(manager: EntityManager, journal: Journal): Promise<void> {
    const parameters = new SqlParameters();
    await manager.query(
      `WITH ${this.journalWrites(manager.connection, journal, parameters, 'journal')} SELECT 1`,
      parameters.values,
    );
  }

  /**
   * `record` as two CTEs (`<name>` and `<name>_lines`) of the caller's own statement, which then
   * writes the journal together with its other changes; checked here first (and by the database at
   * commit, as `record`). Several journals are written in the order given, each with its lines in
   * order, so `seq` keeps both orders (the order of CTEs of one statement is PostgreSQL's to choose,
   * hence one CTE pair for all). The lines' foreign key is checked at the statement's end, after the
   * journals' rows. `when` (optional, an SQL condition) writes the journals only if it holds, for a
   * statement whose other writes may come to nothing (an invoice written only while its customer is
   * as read): a journal must never outlive what it records.
   */
  journalWrites(
    connection: DataSource,
    journals: Journal | readonly Journal[],
    parameters: SqlParameters,
    name: string,
    when?: string,
  ): string {
    const all: readonly Journal[] = 'journalId' in journals ? [journals] : journals;
    all.forEach((journal) => assertBalanced(journal));
    const lines = all.flatMap((journal, index) =>
      journal.lines.map((line) => ({ journal: index + 1, line })),
    );
    const journalRows = `unnest(${parameters.add(all.map((journal) => journal.journalId))}::text[],
                       ${parameters.add(all.map((journal) => journal.customerId))}::text[],
                       ${parameters.add(all.map((journal) => journal.journalId.split(':')[0]))}::text[],
                       ${parameters.add(all.map((journal) => journal.memo))}::text[]) WITH ORDINALITY
                  AS journal (journal_id, customer_id, kind, memo, position)`;
    return `${name} AS (
         INSERT INTO ${qualifiedTableName(connection, JournalEntity)} (journal_id, customer_id, kind, memo)
         SELECT journal.journal_id, journal.customer_id, journal.kind, journal.memo
           FROM ${journalRows}
          ${when === undefined ? '' : `WHERE ${when}`}
          ORDER BY journal.position
         RETURNING journal_id),
       ${name}_lines AS (
         INSERT INTO ${qualifiedTableName(connection, LedgerEntryEntity)}
                (journal_id, customer_id, account, debit_cents, credit_cents, memo)
         SELECT journal.journal_id, journal.customer_id, line.account, line.debit_cents, line.credit_cents,
                journal.memo
           FROM unnest(${parameters.add(lines.map(({ journal }) => journal))}::bigint[],
                       ${parameters.add(lines.map(({ line }) => line.account))}::text[],
                       ${parameters.add(lines.map(({ line }) => line.debitCents ?? 0))}::bigint[],
                       ${parameters.add(lines.map(({ line }) => line.creditCents ?? 0))}::bigint[]) WITH ORDINALITY
                  AS line (journal, account, debit_cents, credit_cents, position)
           JOIN ${journalRows} ON journal.position = line.journal
          WHERE journal.journal_id IN (SELECT journal_id FROM ${name})
          ORDER BY line.position
         RETURNING 1)`;
  }

  async verify(): Promise<LedgerVerification> {
    const [totals] = await this.dataSource.query<{ debits: string; credits: string }[]>(
      `SELECT COALESCE(SUM(debit_cents), 0)::text AS debits, COALESCE(SUM(credit_cents), 0)::text AS credits
         FROM invoice.ledger_entries`,
    );
    const [unbalanced] = await this.dataSource.query<{ count: number }[]>(
      `SELECT count(*)::int AS count FROM (
         SELECT journal_id FROM invoice.ledger_entries GROUP BY journal_id
         HAVING SUM(debit_cents) <> SUM(credit_cents)) AS unbalanced`,
    );
    const debitsCents = Number(totals.debits);
    const creditsCents = Number(totals.credits);
    return {
      balanced: debitsCents === creditsCents && unbalanced.count === 0,
      debitsCents,
      creditsCents,
      unbalancedJournals: unbalanced.count,
    };
  }

  /**
   * The customer's ledger lines, newest first, each with the running balance after it: the page's lines
   * (by `ledger_entries_customer_seq_idx`, backwards), the sum of every line before the page, and the
   * page's own running sum on top of it. The balance once came from a window over the customer's whole
   * history joined to its journals, cut to the page afterwards: 43-49 ms instead of 7-11 for the first page
   * of a customer with 20 000 lines (docs/performance.md, part 13).
   */
  async activity(customerId: string, limit: number, cursor?: number): Promise<ActivityPage> {
    const rows = await this.dataSource.query<
      {
        entry_id: string;
        journal_id: string;
        kind: string;
        account: string;
        debit_cents: string;
        credit_cents: string;
        balance_cents: string;
        memo: string;
        created_at: Date;
        seq: string;
      }[]
    >(
      `WITH page AS (
         SELECT entry.entry_id, entry.journal_id, entry.account, entry.debit_cents, entry.credit_cents,
                entry.memo, entry.created_at, entry.seq
           FROM invoice.ledger_entries entry
          WHERE entry.customer_id = $1 AND entry.account = ANY($2)
            AND ($3::bigint IS NULL OR entry.seq < $3::bigint)
          ORDER BY entry.seq DESC
          LIMIT $4
       ),
       earlier AS (
         SELECT COALESCE(SUM(entry.debit_cents - entry.credit_cents), 0) AS cents
           FROM invoice.ledger_entries entry
          WHERE entry.customer_id = $1 AND entry.account = ANY($2)
            AND entry.seq < (SELECT min(seq) FROM page)
       )
       SELECT page.entry_id, page.journal_id, journal.kind, page.account,
              page.debit_cents::text AS debit_cents, page.credit_cents::text AS credit_cents,
              ((SELECT cents FROM earlier) + SUM(page.debit_cents - page.credit_cents) OVER (ORDER BY page.seq))::text
                AS balance_cents,
              page.memo, page.created_at, page.seq::text AS seq
         FROM page
         JOIN invoice.journals journal ON journal.journal_id = page.journal_id
        ORDER BY page.seq DESC`,
      [customerId, CUSTOMER_ACCOUNTS, cursor ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    return {
      items: page.map((row) => {
        const debitCents = Number(row.debit_cents);
        const creditCents = Number(row.credit_cents);
        return {
          entryId: row.entry_id,
          journalId: row.journal_id,
          kind: row.kind,
          account: row.account,
          debitCents,
          creditCents,
          amountCents: customerBalanceDelta({ debitCents, creditCents }),
          balanceCents: Number(row.balance_cents),
          memo: row.memo,
          createdAt: row.created_at.toISOString(),
        };
      }),
      nextCursor: rows.length > limit ? page[page.length - 1].seq : null,
    };
  }
}
