import type { DataSource, EntityManager, EntitySubscriberInterface, QueryRunner } from 'typeorm';

type Callback = () => unknown;

/** Callbacks waiting for their transaction, by its query runner; dropped on rollback. */
const pending = new WeakMap<QueryRunner, Callback[]>();
const hooked = new WeakSet<DataSource>();

/**
 * Runs `callback` once the transaction of `manager` has committed — never if it rolls back. For side
 * effects outside PostgreSQL that must not announce a change that may yet roll back (a BullMQ job
 * for a row not committed yet, say). A failing callback is reported to `onError` and otherwise
 * ignored: the committed state is the truth, and a sweep must be able to redo what the callback did.
 */
export function afterCommit(
  manager: EntityManager,
  callback: Callback,
  onError: (error: unknown) => void = () => undefined,
): void {
  const queryRunner = manager.queryRunner;
  if (!queryRunner?.isTransactionActive) {
    throw new Error('afterCommit needs the EntityManager of an open transaction');
  }
  hookAfterCommit(manager.connection);
  const callbacks = pending.get(queryRunner) ?? [];
  callbacks.push(async () => {
    try {
      await callback();
    } catch (error) {
      onError(error);
    }
  });
  pending.set(queryRunner, callbacks);
}

/** Installs, once per DataSource, the subscriber that runs `afterCommit` callbacks. */
function hookAfterCommit(dataSource: DataSource): void {
  if (hooked.has(dataSource)) return;
  hooked.add(dataSource);
  const subscriber: EntitySubscriberInterface = {
    afterTransactionCommit: ({ queryRunner }) => {
      // A released savepoint is not a commit: wait for the outermost transaction.
      if (queryRunner.isTransactionActive) return;
      const callbacks = pending.get(queryRunner);
      if (!callbacks) return;
      pending.delete(queryRunner);
      for (const callback of callbacks) void callback();
    },
    afterTransactionRollback: ({ queryRunner }) => {
      if (!queryRunner.isTransactionActive) pending.delete(queryRunner);
    },
  };
  dataSource.subscribers.push(subscriber);
}
