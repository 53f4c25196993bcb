import type { DataSource } from 'typeorm';
import {
  downgradeMessagingTablesV2,
  downgradeMessagingTablesV3,
  dropMessagingTables,
  upgradeMessagingTablesV2,
  upgradeMessagingTablesV3,
} from '@remit/messaging';
import { createTestDataSource, dropTestSchema, uniqueName } from './support';

jest.setTimeout(30_000);

describe(upgradeMessagingTablesV2.name, () => {
  const schema = uniqueName('messaging_test');
  let dataSource: DataSource;

  /** What a migration's `up`/`down` would run, through a query runner as TypeORM gives it. */
  async function withQueryRunner(
    run: (queryRunner: ReturnType<DataSource['createQueryRunner']>) => Promise<void>,
  ): Promise<void> {
    const queryRunner = dataSource.createQueryRunner();
    try {
      await run(queryRunner);
    } finally {
      await queryRunner.release();
    }
  }

  async function outboxColumns(): Promise<string[]> {
    const rows: { column_name: string }[] = await dataSource.query(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = $1 AND table_name = 'outbox_events' ORDER BY column_name`,
      [schema],
    );
    return rows.map((row) => row.column_name);
  }

  async function indexes(): Promise<string[]> {
    const rows: { indexname: string }[] = await dataSource.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = $1 ORDER BY indexname`,
      [schema],
    );
    return rows.map((row) => row.indexname);
  }

  beforeAll(async () => {
    // createTestDataSource runs the first migration's helper and the upgrade, as the services do.
    dataSource = await createTestDataSource(schema);
  });

  afterAll(async () => {
    await dropTestSchema(dataSource, schema);
  });

  it('adds the relay and purge columns and indexes, runs twice without harm, and is undone by its down', async () => {
    const added = ['claimed_by', 'claimed_until', 'next_attempt_at', 'parked_at'];
    const addedIndexes = [
      'inbox_events_processed_idx',
      'outbox_events_sent_idx',
      'outbox_events_unsent_key_idx',
    ];
    await withQueryRunner((queryRunner) => upgradeMessagingTablesV2(queryRunner, schema));
    expect(await outboxColumns()).toEqual(expect.arrayContaining(added));
    expect(await indexes()).toEqual(expect.arrayContaining(addedIndexes));

    await withQueryRunner((queryRunner) => downgradeMessagingTablesV2(queryRunner, schema));
    const columns = await outboxColumns();
    for (const column of added) expect(columns).not.toContain(column);
    expect(columns).toContain('attempts');
    const left = await indexes();
    for (const index of addedIndexes) expect(left).not.toContain(index);
    expect(left).toContain('outbox_events_unsent_idx');

    await withQueryRunner((queryRunner) => upgradeMessagingTablesV2(queryRunner, schema));
    expect(await outboxColumns()).toEqual(expect.arrayContaining(added));
  });

  it('v3 adds the index of held rows (claimed, retried or parked, unsent) and is undone by its down', async () => {
    await withQueryRunner((queryRunner) => upgradeMessagingTablesV3(queryRunner, schema));
    const [index]: { indexdef: string }[] = await dataSource.query(
      `SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND indexname = 'outbox_events_held_key_idx'`,
      [schema],
    );
    expect(index.indexdef).toMatch(/\(message_key, created_at, seq\) WHERE \(\(sent_at IS NULL\) AND/);
    expect(index.indexdef).toMatch(
      /parked_at IS NOT NULL\) OR \(next_attempt_at IS NOT NULL\) OR \(claimed_until IS NOT NULL/,
    );

    await withQueryRunner((queryRunner) => downgradeMessagingTablesV3(queryRunner, schema));
    expect(await indexes()).not.toContain('outbox_events_held_key_idx');
    await withQueryRunner((queryRunner) => upgradeMessagingTablesV3(queryRunner, schema));
    await withQueryRunner((queryRunner) => upgradeMessagingTablesV3(queryRunner, schema));
    expect(await indexes()).toContain('outbox_events_held_key_idx');
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await withQueryRunner(async (queryRunner) => {
      await expect(upgradeMessagingTablesV2(queryRunner, 'bad"; DROP')).rejects.toThrow(
        /invalid schema name/,
      );
    });
  });

  it('drops both tables', async () => {
    await withQueryRunner((queryRunner) => dropMessagingTables(queryRunner, schema));
    const tables: unknown[] = await dataSource.query(
      `SELECT 1 FROM information_schema.tables
       WHERE table_schema = $1 AND table_name IN ('outbox_events', 'inbox_events')`,
      [schema],
    );
    expect(tables).toHaveLength(0);
  });
});
