/**
 * @remit/messaging: Kafka for Remit's services (docs/architecture.md, Kafka).
 *
 * - Producers write events with `Outbox.add(manager, event)` inside the transaction of the state
 *   change; `OutboxRelay` publishes committed rows (at least once, per-customer order).
 * - Consumers are `InboxConsumer`s: each event is recorded in `inbox_events` in the transaction of
 *   its effect (duplicates are skipped); invalid messages and exhausted retries go to `<topic>.dlq`.
 * - Nest apps import `MessagingModule.forRoot(...)`, declare consumers as `@KafkaConsumer` controllers
 *   with `@EventPattern` handlers, and serve them with `InboxTransport` (`connectMicroservice`).
 * - Tables: `createMessagingTables(queryRunner, schema)` from the service's first migration,
 *   `upgradeMessagingTablesV2` from a later one, and `MESSAGING_ENTITIES` in the DataSource's entities;
 *   `purgeMessagingTables` keeps them small (daily, through `MessagingModuleOptions.purge`).
 * - Dead letters: `listDeadLetters` and `replayDeadLetters`, behind `npm run dlq`.
 */
export * from './logger';
export * from './backoff';
export * from './kafka';
export * from './outbox-event.entity';
export * from './inbox-event.entity';
export * from './messaging-tables';
export * from './batch-work';
export * from './outbox';
export * from './outbox-relay';
export * from './dead-letter';
export * from './dead-letter-replay';
export * from './messaging-purge';
export * from './inbox-consumer';
export * from './messaging-metrics';
export * from './nest';
