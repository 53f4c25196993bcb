import type { DataSource, EntityManager } from 'typeorm';
import type { Outbox } from '@remit/messaging';
import { FixedClock } from '@remit/platform';
import { DailyReportService } from './daily-report.service';

/** A manager that answers the report's queries from canned rows, as ACH origination's tables would. */
function fakeManager(tables: { achReturns: boolean; achFiles: boolean }): EntityManager {
  const query = (sql: string, parameters: unknown[] = []): Promise<unknown[]> => {
    if (sql.includes('to_regclass')) {
      const name = parameters[0];
      return Promise.resolve([
        { present: name === 'settlement.ach_returns' ? tables.achReturns : tables.achFiles },
      ]);
    }
    if (sql.includes('FROM settlement.settlement_payments'))
      return Promise.resolve([
        { key: 'ach', count: '3', cents: '60006' },
        { key: 'card', count: '1', cents: '4004' },
      ]);
    if (sql.includes('FROM settlement.ach_returns'))
      return Promise.resolve([
        { key: 'R01', count: '2', cents: '30003' },
        { key: 'R03', count: '1', cents: '10001' },
      ]);
    if (sql.includes('FROM settlement.ach_files'))
      return Promise.resolve([{ file_id: '0b7d2f9e-52d4-4f7a-9d0e-3c6a1e5b8f21' }]);
    return Promise.reject(new Error(`unexpected query ${sql}`));
  };
  return { query } as unknown as EntityManager;
}

describe(DailyReportService.name, () => {
  const service = new DailyReportService(
    {} as DataSource,
    {} as Outbox,
    new FixedClock('2026-11-25T22:00:00Z'),
  );

  it("counts the day's returns by code, a $25.00 return fee each, and the day's files", async () => {
    const report = await service.build('2026-11-25', fakeManager({ achReturns: true, achFiles: true }));
    expect(report).toEqual({
      businessDate: '2026-11-25',
      posted: { ach: { count: 3, cents: 60006 }, card: { count: 1, cents: 4004 } },
      returns: [
        { returnCode: 'R01', count: 2, cents: 30003 },
        { returnCode: 'R03', count: 1, cents: 10001 },
      ],
      returnFees: { count: 3, cents: 7500 },
      achFiles: ['0b7d2f9e-52d4-4f7a-9d0e-3c6a1e5b8f21'],
    });
  });

  it('shows no returns and no files while ACH origination has no tables', async () => {
    const report = await service.build('2026-11-25', fakeManager({ achReturns: false, achFiles: false }));
    expect(report).toMatchObject({ returns: [], returnFees: { count: 0, cents: 0 }, achFiles: [] });
  });
});
