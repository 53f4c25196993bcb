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

/** What `add` writes; the database fills the rest (sequence, times, relay bookkeeping). */
type NewOutboxRow = Pick<
  OutboxEventEntity,
  'id' | 'topic' | 'messageKey' | 'eventType' | 'payload' | 'headers'
>;

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
    const queryRunner = manager.queryRunner;
    if (!queryRunner?.isTransactionActive) {
      // Outside a transaction the event could be published for a state change that never commits.
      throw new Error(
        'Outbox.add needs the EntityManager of an open transaction (dataSource.transaction(...))',
      );
    }
    const newEvent = { ...event, source: this.source } as NewEvent<T>;
    const cloudEvent = createCloudEvent(newEvent);
    const row: NewOutboxRow = {
      id: cloudEvent.id,
      topic: this.topicOf(cloudEvent.type),
      messageKey: cloudEvent.customerid,
      eventType: cloudEvent.type,
      payload: cloudEvent as unknown as Record<string, unknown>,
      headers: cloudEventHeaders(cloudEvent),
    };
    // Only the columns `add` owns, by name: TypeORM's insert would list every column of the entity,
    // so a producer would fail on a table whose later columns (the relay's bookkeeping) a migration
    // has not added yet, instead of leaving the relay alone to wait for it.
    await manager.query(
      `INSERT INTO ${qualifiedTableName(manager.connection, OutboxEventEntity)}
         (id, topic, message_key, event_type, payload, headers)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)`,
      [
        row.id,
        row.topic,
        row.messageKey,
        row.eventType,
        JSON.stringify(row.payload),
        JSON.stringify(row.headers),
      ],
    );
    // Waking the relay is idempotent, so a transaction that adds several rows may wake it several times.
    if (notifyingDataSources.has(manager.connection)) afterCommit(manager, () => this.notify());
    return cloudEvent;
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
