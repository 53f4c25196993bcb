import type { EntityManager } from 'typeorm';

/**
 * Work that a consumer's handlers put off to the end of their transaction, so that the events of one
 * batch share statements: one read and one insert for the batch instead of one of each per event.
 * `flush` runs inside the transaction, after the last handler and before the commit; what it throws
 * rolls the batch back like a handler's failure would.
 */
export interface BatchWork {
  flush(manager: EntityManager): Promise<void>;
}

/** The open consumer transactions and their deferred work, in the order it was first asked for. */
const openBatches = new WeakMap<EntityManager, Map<object, BatchWork>>();

/**
 * The deferred work of kind `key` of the consumer transaction `manager` belongs to, created on first
 * use. Only the manager an `InboxConsumer` hands its handlers has such a transaction: anywhere else
 * this throws rather than let work wait for a flush that would never come.
 */
export function batchWork<W extends BatchWork>(manager: EntityManager, key: object, create: () => W): W {
  const batch = openBatches.get(manager);
  if (!batch) {
    throw new Error('batchWork needs the EntityManager an InboxConsumer hands its handlers');
  }
  let work = batch.get(key) as W | undefined;
  if (!work) {
    work = create();
    batch.set(key, work);
  }
  return work;
}

/**
 * The commonest `batchWork`: `item` joins the items of kind `key` collected in the consumer
 * transaction, and `flush` gets them all, in the order they came, before the commit.
 */
export function deferToBatch<T>(
  manager: EntityManager,
  key: object,
  item: T,
  flush: (items: T[], manager: EntityManager) => Promise<void>,
): void {
  batchWork(manager, key, () => new BatchedItems<T>(flush)).items.push(item);
}

/** The items of one kind of `deferToBatch` in one consumer transaction. */
class BatchedItems<T> implements BatchWork {
  readonly items: T[] = [];

  constructor(private readonly apply: (items: T[], manager: EntityManager) => Promise<void>) {}

  flush(manager: EntityManager): Promise<void> {
    return this.apply(this.items.splice(0), manager);
  }
}

/**
 * Runs the deferred work of the consumer transaction now, in the order it was first asked for. A
 * handler whose own writes must come after the work of the events before it (a change that the work
 * reads) calls it first; the consumer calls it before every commit. Nothing to do outside a consumer
 * transaction.
 */
export async function flushBatchWork(manager: EntityManager): Promise<void> {
  const batch = openBatches.get(manager);
  if (!batch) return;
  while (batch.size > 0) {
    const [key, work] = batch.entries().next().value as [object, BatchWork];
    batch.delete(key);
    await work.flush(manager);
  }
}

/** Runs `apply` as a consumer transaction that may defer work, and flushes that work before it returns. */
export async function withBatchWork<T>(manager: EntityManager, apply: () => Promise<T>): Promise<T> {
  openBatches.set(manager, new Map());
  try {
    const result = await apply();
    await flushBatchWork(manager);
    return result;
  } finally {
    openBatches.delete(manager);
  }
}
