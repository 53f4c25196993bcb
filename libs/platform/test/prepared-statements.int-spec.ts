import { Pool } from 'pg';
import { loadConfig, PreparingClient } from '@remit/platform';

/** The pool's Client that prepares what a connection repeats (DB_PREPARED_STATEMENTS), on a real server. */
describe('prepared statements', () => {
  const config = loadConfig();
  // One connection, so that every statement below meets the statements prepared before it.
  const pool = new Pool({ connectionString: config.databaseUrl, max: 1, Client: PreparingClient });

  afterAll(() => pool.end());

  async function preparedOnTheConnection(): Promise<string[]> {
    const { rows } = await pool.query<{ statement: string }>(
      'SELECT statement FROM pg_prepared_statements ORDER BY prepare_time',
    );
    return rows.map((row) => row.statement);
  }

  it('prepares a statement with parameters from its second use, and answers it as before', async () => {
    const text = 'SELECT $1::int + 1 AS next';
    const answers: number[] = [];
    for (const value of [1, 2, 3])
      answers.push((await pool.query<{ next: number }>(text, [value])).rows[0].next);
    expect(answers).toEqual([2, 3, 4]);
    expect(await preparedOnTheConnection()).toContain(text);
  });

  it('leaves statements without parameters to the simple protocol', async () => {
    for (let i = 0; i < 3; i += 1) {
      await pool.query('BEGIN');
      await pool.query('COMMIT');
    }
    expect(await preparedOnTheConnection()).not.toEqual(expect.arrayContaining(['BEGIN', 'COMMIT']));
  });

  it('reports an execution error each time, and the prepared statement still serves the next use', async () => {
    const text = 'SELECT 10 / $1::int AS quotient';
    await pool.query(text, [5]);
    await expect(pool.query(text, [0])).rejects.toThrow(/division by zero/);
    await expect(pool.query(text, [0])).rejects.toThrow(/division by zero/);
    expect((await pool.query<{ quotient: number }>(text, [2])).rows[0].quotient).toBe(5);
  });

  it('reports a statement that cannot be prepared with its own error, every time', async () => {
    const text = 'SELECT no_such_column FROM pg_class WHERE oid = $1::oid';
    for (let i = 0; i < 3; i += 1) {
      await expect(pool.query(text, [1])).rejects.toThrow(/column "no_such_column" does not exist/);
    }
    expect((await pool.query<{ one: number }>('SELECT $1::int AS one', [1])).rows[0].one).toBe(1);
  });

  it('keeps a statement prepared inside a rolled-back transaction usable after it', async () => {
    const text = 'SELECT $1::text AS echoed';
    await pool.query('BEGIN');
    await pool.query(text, ['a']);
    await pool.query(text, ['b']);
    await pool.query('ROLLBACK');
    expect((await pool.query<{ echoed: string }>(text, ['c'])).rows[0].echoed).toBe('c');
    expect(await preparedOnTheConnection()).toContain(text);
  });

  it('prepares a statement again when a migration changed the columns it returns', async () => {
    const table = `public.prepared_stale_${process.pid}`;
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY, name text)`);
    await pool.query(`INSERT INTO ${table} VALUES (1, 'one')`);
    try {
      // On a checked-out client, which keeps its connection after an error (TypeORM's way; pg-pool's own
      // query would drop the connection), through node-postgres' callback form, then its promise form.
      for (const form of ['callback', 'promise'] as const) {
        const text = `SELECT *, '${form}' AS form FROM ${table} WHERE id = $1`;
        const client = await pool.connect();
        type Rows = { rows: Record<string, unknown>[] };
        const send = (sql: string, values?: unknown[]): Promise<Rows> =>
          form === 'promise'
            ? client.query(sql, values)
            : new Promise<Rows>((resolve, reject) =>
                client.query(sql, values ?? [], (error: Error | undefined, result: Rows) =>
                  error ? reject(error) : resolve(result),
                ),
              );
        try {
          await send(text, [1]);
          await send(text, [1]);
          const prepared = await send('SELECT statement FROM pg_prepared_statements');
          expect(prepared.rows.map((row) => row.statement)).toContain(text);
          await send(`ALTER TABLE ${table} ADD COLUMN added int DEFAULT 7`);
          // PostgreSQL refuses the statement as prepared: that one use fails, with its own error ...
          await expect(send(text, [1])).rejects.toThrow(/cached plan must not change result type/);
          // ... and the next, on the same connection, is prepared afresh (before, every later use failed).
          expect((await send(text, [1])).rows[0]).toMatchObject({ id: 1, name: 'one', added: 7, form });
          expect((await send(text, [1])).rows[0]).toMatchObject({ added: 7 });
          await send(`ALTER TABLE ${table} DROP COLUMN added`);
        } finally {
          client.release();
        }
      }
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${table}`);
    }
  });
});
