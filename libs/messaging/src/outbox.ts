import type { DataSource, EntityManager } from 'typeorm';
import {
  createCloudEvent,
  topicOfEvent,
  type CloudEvent,
  type EventType,
  type NewEvent,
} from '@remit/contracts';
import { afterCommit } from '@remit/persistence';
import { qualifiedTableName } from './messaging-tables';
import { OutboxEventEntity } from './outbox-event.entity';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

/** An event as a use case describes it; the outbox adds `source` (the service) itself. */
export type OutboxEventInput<T extends EventType> = Omit<NewEvent<T>, 'source'>;

export interface OutboxOptions {
  /** Topic per event type; `topicOfEvent` from the contracts. Tests route to their own topics. */
  topicOf?: (type: EventType) => string;
}

/** Kafka headers of an outgoing event; the value stays the whole CloudEvent (structured mode). */
export function cloudEventHeaders(event: CloudEvent): Record<string, string> {
  return {
    ce_id: event.id,
    ce_type: event.type,
    ce_source: event.source,
    ce_specversion: event.specversion,
    ce_correlationid: event.correlationid,
    'content-type': CLOUDEVENTS_CONTENT_TYPE,
  };
}

/**
 * Rows per INSERT statement of `Outbox.addMany` (six array parameters whatever the count): a statement
 * of a few hundred kB at most.
 */
export const OUTBOX_ROWS_PER_INSERT = 500;

/** DataSources whose commits notify the outbox (`notifyOutboxAfterCommit`). */
const notifyingDataSources = new WeakSet<DataSource>();

/**
 * Writes events into `outbox_events` inside the caller's transaction, so the event and the state
 * change it announces commit (or roll back) together (docs/architecture.md, Kafka: every producer writes
 * through an outbox). The `OutboxRelay` publishes the committed rows.
 */
export class Outbox {
  private readonly listeners = new Set<() => void>();
  private readonly topicOf: (type: EventType) => string;

  constructor(
    readonly source: string,
    options: OutboxOptions = {},
  ) {
    this.topicOf = options.topicOf ?? ((type) => topicOfEvent[type]);
  }

  /**
   * Builds and validates the CloudEvent (invalid data throws here, before anything is written) and
   * inserts its row with `manager`, which must belong to an open transaction.
   */
  async add<T extends EventType>(manager: EntityManager, event: OutboxEventInput<T>): Promise<CloudEvent<T>> {
    const [cloudEvent] = await this.insertInTransaction(manager, [event], 'Outbox.add');
    return cloudEvent;
  }

  /**
   * `add` for several events of one transaction (a settlement run's chunk of postings): every event is
   * built and validated before any row is written, then the rows go in with one INSERT per
   * {@link OUTBOX_ROWS_PER_INSERT} events, in the given order (the relay publishes in `seq` order). One
   * round trip per event was most of the cost of such a batch. Returns the events in the same order.
   */
  addMany<T extends EventType>(
    manager: EntityManager,
    events: readonly OutboxEventInput<T>[],
  ): Promise<CloudEvent<T>[]> {
    return this.insertInTransaction(manager, events, 'Outbox.addMany');
  }

  private async insertInTransaction<T extends EventType>(
    manager: EntityManager,
    events: readonly OutboxEventInput<T>[],
    caller: string,
  ): Promise<CloudEvent<T>[]> {
    if (!manager.queryRunner?.isTransactionActive) {
      // Outside a transaction the event could be published for a state change that never commits.
      throw new Error(
        `${caller} needs the EntityManager of an open transaction (dataSource.transaction(...))`,
      );
    }
    const prepared = this.prepare(events);
    for (let start = 0; start < events.length; start += OUTBOX_ROWS_PER_INSERT) {
      const chunk = new PreparedOutboxEvents(
        prepared.events.slice(start, start + OUTBOX_ROWS_PER_INSERT),
        this.topicOf,
      );
      await manager.query(chunk.insert(manager.connection, 1), chunk.parameters);
    }
    // Waking the relay is idempotent, so a transaction that adds several rows may wake it several times.
    if (events.length > 0) this.written(manager);
    return prepared.events;
  }

  /**
   * Events for an INSERT the caller makes part of its own statement, a CTE beside the state change they
   * announce: one statement writes both, atomically, with no transaction and no round trip of its own
   * (a "sent" mark and its `notification.sent`). Every event is built and validated here, before
   * anything is written; after the statement, `written(manager)` tells the relay.
   */
  prepare<T extends EventType>(events: readonly OutboxEventInput<T>[]): PreparedOutboxEvents<T> {
    return new PreparedOutboxEvents(
      events.map((event) => createCloudEvent<T>({ ...event, source: this.source })),
      this.topicOf,
    );
  }

  /**
   * After a statement that wrote `prepare`d events: the relay is told now, or after the commit when
   * `manager` is in a transaction (never after a rollback).
   */
  written(manager: EntityManager): void {
    if (!notifyingDataSources.has(manager.connection)) return;
    if (manager.queryRunner?.isTransactionActive) afterCommit(manager, () => this.notify());
    else this.notify();
  }

  /**
   * Tells the relay(s) there is something to publish now, instead of at the next poll. Call it after
   * the commit; `notifyOutboxAfterCommit(dataSource)` makes this automatic.
   */
  notify(): void {
    for (const listener of this.listeners) listener();
  }

  /** Subscribes to `notify()`; returns the unsubscribe function. */
  onNotify(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/**
 * Calls `outbox.notify()` once a transaction that added outbox rows has committed (never after a
 * rollback), so the relay publishes right away rather than at its next poll. Built on `afterCommit`
 * (@remit/persistence), the TypeORM subscriber every after-commit effect shares.
 */
export function notifyOutboxAfterCommit(dataSource: DataSource): void {
  notifyingDataSources.add(dataSource);
}

/**
 * Events of `Outbox.prepare`, as the six array parameters of an `INSERT … SELECT … FROM unnest(…)`.
 * The rows go in in the events' order (the relay publishes in `seq` order).
 */
export class PreparedOutboxEvents<T extends EventType> {
  /** id, topic, message key, type, payload (CloudEvent JSON) and headers (JSON), one entry per event. */
  readonly parameters: [string[], string[], string[], string[], string[], string[]];

  constructor(
    readonly events: CloudEvent<T>[],
    topicOf: (type: EventType) => string,
  ) {
    this.parameters = [
      events.map((event) => event.id),
      events.map((event) => topicOf(event.type)),
      events.map((event) => event.customerid),
      events.map((event) => event.type),
      events.map((event) => JSON.stringify(event)),
      events.map((event) => JSON.stringify(cloudEventHeaders(event))),
    ];
  }

  /**
   * The INSERT (on its own, or in a CTE): `first` is the number of the first of its six parameters
   * (`parameters`, in order); `where` (optional) filters the rows, each named `event` with the columns
   * of the outbox table (`event.payload->>'subject'`, …). Only the columns a producer owns, by name: a
   * producer must not fail on a table whose later columns (the relay's bookkeeping) a migration has
   * not added yet.
   */
  insert(connection: DataSource, first: number, where?: string): string {
    const [id, topic, key, type, payload, headers] = [0, 1, 2, 3, 4, 5].map((n) => `$${first + n}`);
    return `INSERT INTO ${qualifiedTableName(connection, OutboxEventEntity)}
         (id, topic, message_key, event_type, payload, headers)
       SELECT event.id, event.topic, event.message_key, event.event_type, event.payload, event.headers
         FROM unnest(${id}::uuid[], ${topic}::text[], ${key}::text[], ${type}::text[], ${payload}::jsonb[],
                     ${headers}::jsonb[]) WITH ORDINALITY
                AS event (id, topic, message_key, event_type, payload, headers, position)
        ${where ? `WHERE ${where}` : ''}
        ORDER BY event.position`;
  }
}
