import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  MessagingPurgeConfigError,
  MIN_INBOX_RETENTION_DAYS,
  purgeMessagingTables,
  type MessagingPurgeOptions,
} from '@remit/messaging';
import { createTestDataSource, dropTestSchema, uniqueName } from './support';

jest.setTimeout(30_000);

describe(purgeMessagingTables.name, () => {
  const schema = uniqueName('messaging_test');
  let dataSource: DataSource;

  /** An outbox row created and (if `sentDaysAgo` is given) sent that many days ago. */
  async function outboxRow(
    createdDaysAgo: number,
    sentDaysAgo: number | null,
    parked = false,
  ): Promise<string> {
    const id = randomUUID();
    await dataSource.query(
      `INSERT INTO "${schema}".outbox_events
         (id, topic, message_key, event_type, payload, created_at, sent_at, parked_at)
       VALUES ($1, 't', 'k', 'invoice.issued', '{}'::jsonb,
         now() - $2::float8 * interval '1 day',
         now() - $3::float8 * interval '1 day',
         CASE WHEN $4::boolean THEN now() END)`,
      [id, createdDaysAgo, sentDaysAgo, parked],
    );
    return id;
  }

  async function inboxRow(processedDaysAgo: number): Promise<string> {
    const eventId = randomUUID();
    await dataSource.query(
      `INSERT INTO "${schema}".inbox_events (consumer_group, event_id, event_type, topic, partition, "offset", processed_at)
       VALUES ('invoice', $1, 'invoice.issued', 't', 0, '0', now() - $2::float8 * interval '1 day')`,
      [eventId, processedDaysAgo],
    );
    return eventId;
  }

  async function remaining(): Promise<{ outbox: string[]; inbox: string[] }> {
    const outbox: { id: string }[] = await dataSource.query(`SELECT id FROM "${schema}".outbox_events`);
    const inbox: { event_id: string }[] = await dataSource.query(
      `SELECT event_id FROM "${schema}".inbox_events`,
    );
    return {
      outbox: outbox.map((row) => row.id).sort(),
      inbox: inbox.map((row) => row.event_id).sort(),
    };
  }

  beforeAll(async () => {
    dataSource = await createTestDataSource(schema);
  });

  afterAll(async () => {
    await dropTestSchema(dataSource, schema);
  });

  it('deletes sent outbox rows and inbox rows past their retention, in batches, and nothing else', async () => {
    const oldSent = await Promise.all([outboxRow(12, 10), outboxRow(11, 9), outboxRow(10, 8)]);
    const recentSent = await outboxRow(2, 1);
    const oldUnsent = await outboxRow(100, null);
    const oldParked = await outboxRow(100, null, true);
    const oldInbox = await Promise.all([inboxRow(40), inboxRow(35), inboxRow(31)]);
    const recentInbox = await inboxRow(20);

    const result = await purgeMessagingTables(dataSource, {
      outboxRetentionDays: 7,
      inboxRetentionDays: 30,
      batchSize: 2,
    });

    expect(result).toEqual({ outboxDeleted: oldSent.length, inboxDeleted: oldInbox.length });
    expect(await remaining()).toEqual({
      outbox: [recentSent, oldUnsent, oldParked].sort(),
      inbox: [recentInbox],
    });
    // Run again: nothing left to delete.
    expect(await purgeMessagingTables(dataSource)).toEqual({ outboxDeleted: 0, inboxDeleted: 0 });
  });

  it.each<[string, MessagingPurgeOptions]>([
    [
      'an inbox retention shorter than the topics’ retention',
      { inboxRetentionDays: MIN_INBOX_RETENTION_DAYS - 1 },
    ],
    ['a zero outbox retention', { outboxRetentionDays: 0 }],
    ['a batch size that is not a positive integer', { batchSize: 0.5 }],
  ])('refuses %s', async (_name, options) => {
    await expect(purgeMessagingTables(dataSource, options)).rejects.toBeInstanceOf(MessagingPurgeConfigError);
  });
});
