import { DataSource } from 'typeorm';
import { afterCommit } from '../src/after-commit';

/** afterCommit against the real PostgreSQL: commit runs the callback, rollback never does. */
describe(afterCommit.name, () => {
  let dataSource: DataSource;

  beforeAll(async () => {
    dataSource = new DataSource({ type: 'postgres', url: process.env.DATABASE_URL });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource.destroy();
  });

  /** Resolves once the callback ran, or with false if it has not within `ms`. */
  function ran(calls: string[], name: string, ms = 1_000): Promise<boolean> {
    const deadline = Date.now() + ms;
    return new Promise((resolve) => {
      const poll = (): void => {
        if (calls.includes(name)) resolve(true);
        else if (Date.now() > deadline) resolve(false);
        else setTimeout(poll, 10);
      };
      poll();
    });
  }

  it('runs the callback after the commit, not before', async () => {
    const calls: string[] = [];
    await dataSource.transaction(async (manager) => {
      afterCommit(manager, () => calls.push('committed'));
      await manager.query('SELECT 1');
      expect(calls).toEqual([]);
    });
    expect(await ran(calls, 'committed')).toBe(true);
  });

  it('never runs it when the transaction rolls back', async () => {
    const calls: string[] = [];
    await expect(
      dataSource.transaction((manager) => {
        afterCommit(manager, () => calls.push('rolled back'));
        return Promise.reject(new Error('abort'));
      }),
    ).rejects.toThrow('abort');
    // A later commit on a connection of the same pool must not run the discarded callback.
    await dataSource.transaction((manager) => manager.query('SELECT 1'));
    expect(await ran(calls, 'rolled back', 200)).toBe(false);
  });

  it('reports a failing callback instead of throwing into the committed transaction', async () => {
    const errors: unknown[] = [];
    await dataSource.transaction(async (manager) => {
      afterCommit(
        manager,
        () => {
          throw new Error('queue down');
        },
        (error) => errors.push(error),
      );
      await manager.query('SELECT 1');
    });
    const deadline = Date.now() + 1_000;
    while (errors.length === 0 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(errors).toEqual([expect.objectContaining({ message: 'queue down' })]);
  });

  it('refuses a manager outside a transaction', () => {
    expect(() => afterCommit(dataSource.manager, () => undefined)).toThrow(/open transaction/);
  });
});
