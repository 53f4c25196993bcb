import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppError } from '@remit/platform';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

export interface StoredResponse<T> {
  status: number;
  body: T;
}

/** A request holding a key longer than this is taken to have died; its key may be taken over. */
const IN_FLIGHT_TIMEOUT_SECONDS = 60;

/**
 * Idempotency-Key semantics (docs/architecture.md, public contract): the same key and body return the same
 * response again; the same key with another body is 422; the same key still being processed is 409.
 * The response is stored in the same transaction as the work, so a completed key never lies.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run<T>(
    scope: string,
    key: string,
    requestHash: string,
    work: (manager: EntityManager) => Promise<StoredResponse<T>>,
  ): Promise<StoredResponse<T> & { replayed: boolean }> {
    const claimed = await this.claim(scope, key, requestHash);
    if (!claimed.ok) return { ...(claimed.stored as StoredResponse<T>), replayed: true };
    try {
      const response = await this.dataSource.transaction(async (manager) => {
        const result = await work(manager);
        await manager.update(
          IdempotencyKeyEntity,
          { scope, idempotencyKey: key },
          { state: 'completed', responseStatus: result.status, responseBody: result.body as object },
        );
        return result;
      });
      return { ...response, replayed: false };
    } catch (error) {
      // The work did not commit: free the key so that a corrected retry is not refused as a replay.
      await this.dataSource
        .getRepository(IdempotencyKeyEntity)
        .delete({ scope, idempotencyKey: key, state: 'in_flight' });
      throw error;
    }
  }

  private async claim(
    scope: string,
    key: string,
    requestHash: string,
  ): Promise<{ ok: true } | { ok: false; stored: StoredResponse<unknown> }> {
    const repository = this.dataSource.getRepository(IdempotencyKeyEntity);
    const inserted = await repository
      .createQueryBuilder()
      .insert()
      .values({ scope, idempotencyKey: key, requestHash, state: 'in_flight', lockedAt: () => 'now()' })
      .orIgnore()
      .returning(['scope'])
      .execute();
    if ((inserted.raw as unknown[]).length > 0) return { ok: true };

    const existing = await repository.findOneBy({ scope, idempotencyKey: key });
    if (!existing) return this.claim(scope, key, requestHash); // freed between our insert and read
    if (existing.requestHash !== requestHash) {
      throw AppError.unprocessable(
        'IDEMPOTENCY.KEY_REUSED',
        'this Idempotency-Key was already used with a different request body',
        [{ field: 'Idempotency-Key', code: 'reused', message: 'use a new key for a different request' }],
      );
    }
    if (existing.state === 'completed') {
      this.logger.log(`idempotent replay of key ${key} for ${scope}`);
      return { ok: false, stored: { status: existing.responseStatus ?? 200, body: existing.responseBody } };
    }
    const takenOver = await repository
      .createQueryBuilder()
      .update()
      .set({ lockedAt: () => 'now()' })
      .where('scope = :scope AND idempotency_key = :key AND state = :state', {
        scope,
        key,
        state: 'in_flight',
      })
      .andWhere(`locked_at < now() - make_interval(secs => :timeout)`, { timeout: IN_FLIGHT_TIMEOUT_SECONDS })
      .execute();
    if (takenOver.affected) {
      this.logger.warn(
        `key ${key} for ${scope} was in flight for over ${IN_FLIGHT_TIMEOUT_SECONDS}s; taking it over`,
      );
      return { ok: true };
    }
    throw AppError.conflict(
      'IDEMPOTENCY.REQUEST_IN_FLIGHT',
      'a request with this Idempotency-Key is still being processed',
    );
  }
}
