import { randomUUID } from 'node:crypto';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager, type EntityTarget, IsNull, Not, type ObjectLiteral } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import {
  extractNotificationsOfChange,
  extractReturns,
  getReturnCode,
  isAchError,
  readNachaFile,
  type NachaFile,
} from '@remit/ach';
import { businessDateOf } from '@remit/calendar';
import { Outbox } from '@remit/messaging';
import {
  AccountNumberCipher,
  AppError,
  Clock,
  REMIT_CONFIG,
  type Principal,
  type RemitConfig,
} from '@remit/platform';
import { AchEntryEntity } from '../origination/ach-entry.entity';
import { SettlementPaymentEntity } from '../postings/settlement-payment.entity';
import { AchNoticeOfChangeEntity } from './ach-notice-of-change.entity';
import { AchReturnEntity } from './ach-return.entity';
import { changeCodeDescription, correctedDataOf, last4Of, returnClassOf } from './return-rules';

export type ReturnOutcome = 'applied' | 'duplicate' | 'unmatched' | 'unmatched-duplicate';
export type NoticeOutcome = 'recorded' | 'duplicate' | 'unmatched' | 'unmatched-duplicate';

export interface ReturnItemResult {
  traceNumber: string | null;
  paymentId: string | null;
  returnCode: string;
  outcome: ReturnOutcome;
}

export interface NoticeItemResult {
  traceNumber: string;
  paymentId: string | null;
  changeCode: string;
  outcome: NoticeOutcome;
}

export interface AchReturnsResult {
  applied: number;
  duplicates: number;
  unmatched: number;
  noticesOfChange: number;
  returns: ReturnItemResult[];
  notices: NoticeItemResult[];
}

export interface AchReturnView {
  returnId: string;
  paymentId: string | null;
  traceNumber: string | null;
  returnTraceNumber: string | null;
  returnCode: string;
  amountCents: number;
  businessDate: string;
  receivedAt: string;
  matched: boolean;
  source: 'file' | 'ops';
}

interface IncomingReturn {
  source: 'file' | 'ops';
  receivedBy: string;
  returnCode: string;
  /** Original trace number (file) — or the payment id (ops). */
  traceNumber?: string;
  paymentId?: string;
  returnTraceNumber?: string;
  amountCents?: number;
}

function toReturnView(row: AchReturnEntity): AchReturnView {
  return {
    returnId: row.returnId,
    paymentId: row.paymentId,
    traceNumber: row.traceNumber,
    returnTraceNumber: row.returnTraceNumber,
    returnCode: row.returnCode,
    amountCents: row.amountCents,
    businessDate: row.businessDate,
    receivedAt: row.receivedAt.toISOString(),
    matched: row.matched,
    source: row.source,
  };
}

/**
 * ACH returns and notifications of change (docs/architecture.md, "ACH origination and returns"). A
 * return applies once per payment (unique payment id): a file fed twice reports duplicates and changes
 * nothing. Returns that match no entry we originated are kept for ops.
 */
@Injectable()
export class AchReturnsService {
  private readonly logger = new Logger(AchReturnsService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
    private readonly clock: Clock,
    private readonly cipher: AccountNumberCipher,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  /** A NACHA return / NOC file from the bank, as text. */
  async receiveFile(text: string, receiver: Principal): Promise<AchReturnsResult> {
    let file: NachaFile;
    try {
      file = readNachaFile(text);
    } catch (error) {
      if (!isAchError(error)) throw error;
      // libs/ach messages never carry an account number.
      throw AppError.unprocessable('SETTLEMENT.RETURN_FILE_INVALID', 'the NACHA return file cannot be read', [
        { field: error.field ?? '', code: error.code, message: error.message },
      ]);
    }
    const returns: ReturnItemResult[] = [];
    for (const item of extractReturns(file)) {
      returns.push(
        await this.apply({
          source: 'file',
          receivedBy: receiver.sub,
          returnCode: item.returnCode,
          traceNumber: item.originalTraceNumber,
          returnTraceNumber: item.traceNumber,
          amountCents: item.amountCents,
        }),
      );
    }
    const notices: NoticeItemResult[] = [];
    for (const item of extractNotificationsOfChange(file)) {
      notices.push(await this.recordNotice(item.originalTraceNumber, item.changeCode, item.correctedData));
    }
    const result = summarise(returns, notices);
    this.logger.log(
      `ACH return file from ${receiver.sub}: ${result.applied} applied, ${result.duplicates} duplicate(s), ${result.unmatched} unmatched, ${result.noticesOfChange} notice(s) of change`,
    );
    return result;
  }

  /** An ops return `{paymentId, returnCode}` (a return the bank reported some other way). */
  async receiveOpsReturn(
    paymentId: string,
    returnCode: string,
    receiver: Principal,
  ): Promise<AchReturnsResult> {
    try {
      getReturnCode(returnCode);
    } catch {
      throw AppError.validation([
        { field: 'returnCode', code: 'unknown', message: `${returnCode} is not a NACHA return reason code` },
      ]);
    }
    const item = await this.apply({ source: 'ops', receivedBy: receiver.sub, returnCode, paymentId });
    return summarise([item], []);
  }

  async list(status: 'matched' | 'unmatched' | 'all'): Promise<AchReturnView[]> {
    const rows = await this.dataSource.getRepository(AchReturnEntity).find({
      where: status === 'all' ? {} : { paymentId: status === 'matched' ? Not(IsNull()) : IsNull() },
      order: { receivedAt: 'ASC', returnId: 'ASC' },
    });
    return rows.map(toReturnView);
  }

  private apply(incoming: IncomingReturn): Promise<ReturnItemResult> {
    const info = getReturnCode(incoming.returnCode);
    return this.dataSource.transaction(async (manager): Promise<ReturnItemResult> => {
      const entry = await manager.findOne(AchEntryEntity, {
        where: incoming.paymentId
          ? { paymentId: incoming.paymentId }
          : { traceNumber: incoming.traceNumber! },
        lock: { mode: 'pessimistic_write' },
      });
      const receivedAt = await this.clock.now();
      const businessDate = businessDateOf(receivedAt, { cutoff: this.config.achCutoff });
      if (!entry) {
        if (incoming.source === 'ops') {
          throw AppError.notFound(
            'SETTLEMENT.ACH_ENTRY_NOT_FOUND',
            `no ACH debit for payment ${incoming.paymentId}`,
            [
              {
                field: 'paymentId',
                code: 'not_found',
                message: 'settlement originated no ACH debit for this payment',
              },
            ],
          );
        }
        const stored = await this.insertReturn(manager, {
          paymentId: null,
          traceNumber: incoming.traceNumber ?? null,
          returnTraceNumber: incoming.returnTraceNumber ?? null,
          returnCode: incoming.returnCode,
          amountCents: incoming.amountCents ?? 0,
          businessDate,
          receivedAt,
          matched: false,
          source: incoming.source,
          receivedBy: incoming.receivedBy,
        });
        if (stored)
          this.logger.warn(
            `ACH return ${incoming.returnCode} for unknown trace ${incoming.traceNumber}: kept for ops`,
          );
        return {
          traceNumber: incoming.traceNumber ?? null,
          paymentId: null,
          returnCode: incoming.returnCode,
          outcome: stored ? 'unmatched' : 'unmatched-duplicate',
        };
      }
      if (entry.status === 'pending' || entry.status === 'canceled') {
        throw AppError.unprocessable(
          'SETTLEMENT.NOT_ORIGINATED',
          `payment ${entry.paymentId} was never sent to the bank (${entry.status}): it cannot be returned`,
          [{ field: 'paymentId', code: entry.status, message: 'not in an ACH file' }],
        );
      }
      const stored = await this.insertReturn(manager, {
        paymentId: entry.paymentId,
        traceNumber: entry.traceNumber,
        returnTraceNumber: incoming.returnTraceNumber ?? null,
        returnCode: incoming.returnCode,
        amountCents: entry.amountCents,
        businessDate,
        receivedAt,
        matched: true,
        source: incoming.source,
        receivedBy: incoming.receivedBy,
      });
      const result: ReturnItemResult = {
        traceNumber: entry.traceNumber,
        paymentId: entry.paymentId,
        returnCode: incoming.returnCode,
        outcome: stored ? 'applied' : 'duplicate',
      };
      if (!stored) return result;
      await manager.update(AchEntryEntity, { paymentId: entry.paymentId }, { status: 'returned' });
      // Posted or not yet: a return is a return (a scheduled payment then never posts).
      await manager.update(SettlementPaymentEntity, { paymentId: entry.paymentId }, { status: 'returned' });
      await this.outbox.add(manager, {
        type: 'payment.returned',
        customerId: entry.customerId,
        subject: entry.paymentId,
        correlationId: entry.correlationId,
        data: {
          paymentId: entry.paymentId,
          customerId: entry.customerId,
          amountCents: entry.amountCents,
          method: entry.last4 ? { type: entry.methodType, last4: entry.last4 } : { type: entry.methodType },
          returnCode: info.code,
          returnDescription: info.description,
          returnClass: returnClassOf(info),
          returnedAt: receivedAt.toISOString(),
          businessDate,
          ...(entry.paymentMethodId ? { paymentMethodId: entry.paymentMethodId } : {}),
        },
      });
      this.logger.log(`payment ${entry.paymentId} returned ${info.code} (${returnClassOf(info)})`);
      return result;
    });
  }

  private async insertReturn(
    manager: EntityManager,
    row: Omit<AchReturnEntity, 'returnId'>,
  ): Promise<boolean> {
    return insertUnlessPresent(manager, AchReturnEntity, { returnId: randomUUID(), ...row });
  }

  private recordNotice(
    traceNumber: string,
    changeCode: string,
    correctedData: string,
  ): Promise<NoticeItemResult> {
    return this.dataSource.transaction(async (manager): Promise<NoticeItemResult> => {
      const entry = await manager.findOne(AchEntryEntity, { where: { traceNumber } });
      const receivedAt = await this.clock.now();
      const corrected = correctedDataOf(changeCode, correctedData);
      // The corrected account number only as ciphertext bound to the payment; unmatched, only its last 4.
      const sealed =
        corrected.accountNumber !== undefined && entry
          ? this.cipher.encrypt(corrected.accountNumber, entry.paymentId)
          : undefined;
      const last4 = corrected.accountNumber === undefined ? null : last4Of(corrected.accountNumber);
      const stored = await insertUnlessPresent(manager, AchNoticeOfChangeEntity, {
        noticeId: randomUUID(),
        paymentId: entry?.paymentId ?? null,
        traceNumber,
        changeCode,
        correctedRoutingNumber: corrected.routingNumber ?? null,
        correctedAccountCiphertext: sealed?.ciphertext ?? null,
        correctedAccountKeyId: sealed?.keyId ?? null,
        correctedAccountLast4: last4,
        receivedAt,
      });
      if (!entry) {
        if (stored)
          this.logger.warn(`notice of change ${changeCode} for unknown trace ${traceNumber}: kept for ops`);
        return {
          traceNumber,
          paymentId: null,
          changeCode,
          outcome: stored ? 'unmatched' : 'unmatched-duplicate',
        };
      }
      if (stored) {
        await this.outbox.add(manager, {
          type: 'payment.notice-of-change',
          customerId: entry.customerId,
          subject: entry.paymentId,
          correlationId: entry.correlationId,
          data: {
            paymentId: entry.paymentId,
            customerId: entry.customerId,
            changeCode,
            description: changeCodeDescription(changeCode),
            ...(entry.paymentMethodId ? { paymentMethodId: entry.paymentMethodId } : {}),
            ...(corrected.routingNumber ? { correctedRoutingNumber: corrected.routingNumber } : {}),
            ...(sealed && last4 ? { correctedAccountNumber: { ...sealed, last4 } } : {}),
            receivedAt: receivedAt.toISOString(),
          },
        });
        this.logger.log(`payment ${entry.paymentId}: notice of change ${changeCode} recorded`);
      }
      return {
        traceNumber,
        paymentId: entry.paymentId,
        changeCode,
        outcome: stored ? 'recorded' : 'duplicate',
      };
    });
  }
}

/**
 * INSERT … ON CONFLICT DO NOTHING that says whether the row went in: the unique constraints are what
 * makes a return (or a notice) apply once, also when two requests race.
 */
async function insertUnlessPresent<T extends ObjectLiteral>(
  manager: EntityManager,
  entity: EntityTarget<T>,
  values: QueryDeepPartialEntity<T>,
): Promise<boolean> {
  const [sql, parameters] = manager
    .createQueryBuilder()
    .insert()
    .into(entity)
    .values(values)
    .orIgnore()
    .getQueryAndParameters();
  const rows = await manager.query<unknown[]>(`${sql} RETURNING 1 AS inserted`, parameters);
  return rows.length > 0;
}

function summarise(returns: ReturnItemResult[], notices: NoticeItemResult[]): AchReturnsResult {
  const count = (...outcomes: ReturnOutcome[]) =>
    returns.filter((item) => outcomes.includes(item.outcome)).length;
  return {
    applied: count('applied'),
    duplicates: count('duplicate', 'unmatched-duplicate'),
    unmatched: count('unmatched'),
    noticesOfChange: notices.filter((notice) => notice.outcome === 'recorded').length,
    returns,
    notices,
  };
}
