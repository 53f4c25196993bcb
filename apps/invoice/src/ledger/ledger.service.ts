import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { assertBalanced, type Journal } from './journal';
import { LedgerEntryEntity } from './ledger-entry.entity';

@Injectable()
export class LedgerService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Writes a balanced journal inside the caller's transaction. */
  async record(manager: EntityManager, journal: Journal): Promise<void> {
    assertBalanced(journal);
    await manager.insert(
      LedgerEntryEntity,
      journal.lines.map((line) => ({
        journalId: journal.journalId,
        customerId: journal.customerId,
        account: line.account,
        debitCents: line.debitCents ?? 0,
        creditCents: line.creditCents ?? 0,
        memo: journal.memo,
      })),
    );
  }

  async verify(): Promise<{ balanced: boolean; debitsCents: number; creditsCents: number }> {
    const row = await this.dataSource
      .getRepository(LedgerEntryEntity)
      .createQueryBuilder('entry')
      .select('COALESCE(SUM(entry.debit_cents), 0)::text', 'debits')
      .addSelect('COALESCE(SUM(entry.credit_cents), 0)::text', 'credits')
      .getRawOne<{ debits: string; credits: string }>();
    const debitsCents = Number(row?.debits ?? 0);
    const creditsCents = Number(row?.credits ?? 0);
    return { balanced: debitsCents === creditsCents, debitsCents, creditsCents };
  }

  async activity(customerId: string): Promise<LedgerEntryEntity[]> {
    return this.dataSource.getRepository(LedgerEntryEntity).find({
      where: { customerId },
      order: { createdAt: 'ASC', entryId: 'ASC' },
    });
  }
}
