import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type { DataSource } from 'typeorm';
import { waitFor } from '@remit/messaging';

type Query = (this: Client, ...args: unknown[]) => unknown;

/**
 * For tests that count round trips: while installed, the text of every statement node-postgres sends
 * from code run inside `run(list, …)` is pushed to that list, whitespace folded. Other work on the
 * same pool (consumers, the relay) runs outside that context and is not counted.
 */
export class StatementRecorder {
  private readonly current = new AsyncLocalStorage<string[]>();
  private original?: Query;

  /** Wraps `Client#query` of `pg`; `uninstall` puts it back. */
  install(): void {
    if (this.original) return;
    const original = Client.prototype.query as unknown as Query;
    const current = this.current;
    this.original = original;
    Client.prototype.query = function (this: Client, ...args: unknown[]) {
      const [config] = args;
      const text = typeof config === 'string' ? config : (config as { text?: string } | undefined)?.text;
      if (text !== undefined) current.getStore()?.push(text.replace(/\s+/g, ' ').trim());
      return original.apply(this, args);
    } as unknown as Client['query'];
  }

  uninstall(): void {
    if (!this.original) return;
    Client.prototype.query = this.original as unknown as Client['query'];
    this.original = undefined;
  }

  /** Runs `work`, recording its statements into `statements`. */
  run<T>(statements: string[], work: () => T): T {
    return this.current.run(statements, work);
  }

  /**
   * The statements `work` sends, with the recorder installed for its duration (and uninstalled after,
   * unless it was installed already).
   */
  async record(work: () => Promise<unknown>): Promise<string[]> {
    const statements: string[] = [];
    const installedHere = !this.original;
    this.install();
    try {
      await this.run(statements, work);
    } finally {
      if (installedHere) this.uninstall();
    }
    return statements;
  }

  /** Runs `work` unrecorded, from inside `run`. */
  exit<T>(work: () => T): T {
    return this.current.exit(work);
  }
}

/** Resolves once a statement matching `like` (SQL LIKE) waits for a lock in `dataSource`'s database. */
export function lockWaitOf(dataSource: DataSource, like: string): Promise<true> {
  return waitFor(
    async () => {
      const [row]: { waiting: number }[] = await dataSource.query(
        `SELECT count(*)::int AS waiting FROM pg_stat_activity
          WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE $1`,
        [like],
      );
      return row.waiting > 0 ? true : undefined;
    },
    { what: `a statement like ${like} waiting for a lock` },
  );
}

/**
 * The indexes PostgreSQL reads for `sql` with `values` (given as literals, their types inferred from
 * the statement), in the plan made for the values and in the generic plan a prepared statement may run
 * without them (ADR 0021). For tests of reads that must use a partial index whatever the plan.
 */
export async function indexesOfPlans(
  dataSource: DataSource,
  sql: string,
  values: readonly (string | number)[],
): Promise<{ custom: string[]; generic: string[] }> {
  const literals = values.map((value) => `'${String(value).replace(/'/g, "''")}'`).join(', ');
  const indexesIn = (mode: 'force_custom_plan' | 'force_generic_plan'): Promise<string[]> =>
    dataSource.transaction(async (manager) => {
      // PREPARE outlives a rolled-back transaction: a name of its own each time.
      const name = `plan_${randomUUID().replace(/-/g, '')}`;
      await manager.query(`SET LOCAL plan_cache_mode = ${mode}`);
      await manager.query(`PREPARE ${name} AS ${sql}`);
      const plan: unknown = await manager.query(
        `EXPLAIN (FORMAT JSON) EXECUTE ${name}${values.length > 0 ? `(${literals})` : ''}`,
      );
      await manager.query(`DEALLOCATE ${name}`);
      return [...JSON.stringify(plan).matchAll(/"Index Name":"([A-Za-z0-9_]+)"/g)].map((match) => match[1]);
    });
  return { custom: await indexesIn('force_custom_plan'), generic: await indexesIn('force_generic_plan') };
}
