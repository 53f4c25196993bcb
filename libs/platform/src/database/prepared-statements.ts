import { Client } from 'pg';

/** Named statements one connection prepares at most; the statements after that go unnamed. */
export const PREPARED_STATEMENTS_PER_CONNECTION = 64;
/** Distinct statement texts a connection counts uses of; past that it starts counting afresh. */
const COUNTED_TEXTS_PER_CONNECTION = 1_000;
/** Distinct statement texts the process names at most (every connection uses the same names). */
const NAMED_TEXTS_PER_PROCESS = 2_000;

/** One name per statement text in the process, so that a text has the same name on every connection. */
const namesByText = new Map<string, string>();

/**
 * Which statements one connection sends as named prepared statements: a statement with parameters,
 * from its second use on that connection, up to `PREPARED_STATEMENTS_PER_CONNECTION` of them. Such a
 * statement is parsed, analysed and rewritten once per connection instead of on every use, and once
 * PostgreSQL finds its generic plan no worse than a fresh one (after five uses), planned once too;
 * a one-off statement costs what it did. Texts built with a varying number of rows or values count as
 * distinct statements: the bounds keep them from filling the connection's memory or the server's.
 */
export class StatementNames {
  private readonly uses = new Map<string, number>();
  /** Texts prepared again on this connection under a name of its own (`forget`). */
  private readonly renamed = new Map<string, string>();
  private prepared = 0;
  private renames = 0;

  constructor(private readonly limit = PREPARED_STATEMENTS_PER_CONNECTION) {}

  /** The name to prepare `text` under on this connection, or undefined to send it unnamed. */
  nameFor(text: string): string | undefined {
    const known = this.uses.get(text);
    if (known === -1) return this.renamed.get(text) ?? namesByText.get(text);
    if (this.prepared >= this.limit) return undefined;
    if (known === undefined) {
      if (this.uses.size >= COUNTED_TEXTS_PER_CONNECTION) this.forgetUnprepared();
      this.uses.set(text, 1);
      return undefined;
    }
    let name = namesByText.get(text);
    if (name === undefined) {
      if (namesByText.size >= NAMED_TEXTS_PER_PROCESS) return undefined;
      name = `remit_${namesByText.size + 1}`;
      namesByText.set(text, name);
    }
    // -1: prepared on this connection (pg parses it with its first named use and remembers that).
    this.uses.set(text, -1);
    this.prepared += 1;
    return name;
  }

  /**
   * The statement prepared as `name` can no longer run on this connection: its next use prepares it
   * again under a new name. The old one stays on the server until the connection closes (it cannot
   * be deallocated from inside the transaction its failure aborted); it counts against the limit.
   */
  forget(text: string, name: string): void {
    if (this.uses.get(text) !== -1 || (this.renamed.get(text) ?? namesByText.get(text)) !== name) return;
    if (this.prepared >= this.limit) {
      // No room for a new name: the text goes unnamed from now on.
      this.uses.set(text, 0);
      this.renamed.delete(text);
      return;
    }
    this.renames += 1;
    this.renamed.set(text, `${namesByText.get(text)}_${this.renames}`);
    this.prepared += 1;
  }

  private forgetUnprepared(): void {
    for (const [text, count] of this.uses) if (count !== -1) this.uses.delete(text);
  }
}

type QueryArguments = [config: unknown, values?: unknown, callback?: unknown];

/**
 * PostgreSQL's answer to a prepared statement whose result columns changed since it was prepared (a
 * migration added, dropped or retyped a column it returns): it refuses every later use of that
 * statement on that connection, so the statement must be prepared again under another name. Known by
 * its SQLSTATE and the server routine that raises it (neither is translated), or by its English text.
 */
export function isStalePlanError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, routine, message } = error as { code?: unknown; routine?: unknown; message?: unknown };
  return (
    code === '0A000' &&
    (routine === 'RevalidateCachedQuery' || /cached plan must not change result type/.test(String(message)))
  );
}

/**
 * node-postgres's client, preparing the statements its connection repeats (`StatementNames`): given
 * to the pool as its `Client` (`DB_PREPARED_STATEMENTS`, on by default). PostgreSQL spent a third of
 * its CPU per payment parsing, analysing and planning the same few statements again (docs/performance.md).
 * Only `query(text, values)` with an array of values is named; a statement without parameters
 * (BEGIN, COMMIT) keeps the simple protocol. A prepared statement lives as long as its connection: a
 * connection pooler in transaction mode needs `DB_PREPARED_STATEMENTS=false`. A use that fails because
 * a migration changed the statement's result columns fails (and aborts its transaction; the error is
 * a conflict to retry, `classifyInfrastructureError`), and the next use on that connection prepares
 * it afresh. (pg-pool's own `query` drops a connection after any error, so there the next use is on
 * another connection anyway; TypeORM keeps its checked-out connection.)
 */
export class PreparingClient extends Client {
  private readonly names = new StatementNames();

  // pg's overloads (promise or callback, text or config) all pass through; only (text, values) is named.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const [config, values, callback] = args as QueryArguments;
    if (typeof config === 'string' && Array.isArray(values) && values.length > 0) {
      const name = this.names.nameFor(config);
      if (name !== undefined) {
        const stale = (error: unknown): void => {
          if (isStalePlanError(error)) this.names.forget(config, name);
        };
        if (typeof callback === 'function') {
          return super.query({ name, text: config, values }, (error: Error | null, result: unknown) => {
            if (error) stale(error);
            (callback as (error: Error | null, result: unknown) => void)(error, result);
          });
        }
        return super.query({ name, text: config, values }).catch((error: unknown) => {
          stale(error);
          throw error;
        });
      }
    }

    return (super.query as (...rest: unknown[]) => unknown).apply(this, args);
  }
}
