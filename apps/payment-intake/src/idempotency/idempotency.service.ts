import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { qualifiedTableName } from '@remit/messaging';
import { AppError } from '@remit/platform';
import { IdempotencyKeyEntity } from './idempotency-key.entity';

export interface StoredResponse<T> {
  status: number;
  body: T;
}

/** A request holding a key longer than this is taken to have died; its key may be taken over. */
export const IN_FLIGHT_TIMEOUT_SECONDS = 60;

/**
 * How long a key is remembered: a retry after that is a new request. 24 hours, as Stripe keeps its
 * idempotency keys; long enough for any client's retry policy, short enough to keep the table small.
 */
export const IDEMPOTENCY_KEY_RETENTION_HOURS = 24;

type Claim = { ok: true; token: string } | { ok: false; stored: StoredResponse<unknown> };

/**
 * The completion of a claimed key, for a work that writes it into its own statement: `cte` is a
 * data-modifying WITH item named `completed` that stores the response where the key is still this
 * claim's (and `condition` holds), and `settle` reports what that statement found. The work must
 * then return the very response it stored; a completion that touched no row (the key was taken
 * over) rolls the work back, as `run`'s own completion does.
 */
export class KeyCompletion {
  /** Set by `settle`: the response the work's statement stored, and whether it found the key still ours. */
  outcome: { response: StoredResponse<unknown>; completed: boolean } | undefined;
  private response: StoredResponse<unknown> | undefined;

  constructor(
    private readonly table: string,
    private readonly scope: string,
    private readonly key: string,
    private readonly token: string,
  ) {}

  /**
   * `completed AS (UPDATE … RETURNING 1)`, its parameters numbered from `first`; `condition` (SQL over
   * the statement's other WITH items) gates it, so that a statement that wrote nothing completes nothing.
   */
  cte(
    first: number,
    response: StoredResponse<unknown>,
    condition = 'true',
  ): { sql: string; parameters: unknown[] } {
    this.response = response;
    const [scope, key, token, status, body] = [0, 1, 2, 3, 4].map((offset) => `$${first + offset}`);
    return {
      sql: `completed AS (
             UPDATE ${this.table} SET state = 'completed', response_status = ${status}, response_body = ${body}::jsonb
              WHERE scope = ${scope} AND idempotency_key = ${key} AND state = 'in_flight' AND lock_token = ${token}
                AND (${condition})
             RETURNING 1)`,
      parameters: [this.scope, this.key, this.token, response.status, JSON.stringify(response.body)],
    };
  }

  /** After the statement that carried `cte` wrote its work: whether its `completed` touched the key. */
  settle(completed: boolean): void {
    if (this.response === undefined) throw new Error('settle() before cte()');
    this.outcome = { response: this.response, completed };
  }
}

/**
 * Idempotency-Key semantics (docs/architecture.md, "Public contract"): the same key and body return
 * the same response again; the same key with another body is 422; the same key still being processed
 * is 409. The response is stored in the same transaction as the work, so a completed key never lies.
 *
 * Fencing: each claim of a key gets a fresh token. The work's transaction ends by completing the key
 * where the token is still its own, and rolls back (409 `IDEMPOTENCY.REQUEST_TAKEN_OVER`) when that
 * touches no row. A takeover (after `IN_FLIGHT_TIMEOUT_SECONDS`) replaces the token, and the two
 * UPDATEs of the key's row are serialized by its row lock: a takeover before the completion makes the
 * completion touch nothing, so the replaced request's work never commits (it may still have run,
 * under its own row locks, and be rolled back); a takeover after the completion waits for that
 * transaction and then finds the key completed (or, after a rollback, still in flight and old enough
 * to take). Either way one key makes at most one payment. The key's row is not locked before the work
 * (a statement fewer on every request), so a takeover while the work runs wins and the work is rolled
 * back: that needs a request whose claim is over a minute old, i.e. a stuck one.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Runs `work` once for this key (see the class). The work may complete the key in a statement of
   * its own (`KeyCompletion`), one round trip fewer; otherwise `run` completes it after the work.
   */
  async run<T>(
    scope: string,
    key: string,
    requestHash: string,
    work: (manager: EntityManager, completion: KeyCompletion) => Promise<StoredResponse<T>>,
  ): Promise<StoredResponse<T> & { replayed: boolean }> {
    const claimed = await this.claim(scope, key, requestHash);
    if (!claimed.ok) return { ...(claimed.stored as StoredResponse<T>), replayed: true };
    const owned = { scope, idempotencyKey: key, state: 'in_flight' as const, lockToken: claimed.token };
    try {
      const response = await this.dataSource.transaction(async (manager) => {
        const completion = new KeyCompletion(this.table(), scope, key, claimed.token);
        const result = await work(manager, completion);
        if (completion.outcome !== undefined) {
          if (completion.outcome.response !== result) {
            throw new Error(`key ${key} for ${scope}: the work completed the key with another response`);
          }
          if (!completion.outcome.completed) throw takenOver();
          return result;
        }
        // A SELECT around the UPDATE: TypeORM returns [rows, count] for a bare UPDATE … RETURNING.
        const completing = completion.cte(1, result);
        const completed = await manager.query<unknown[]>(
          `WITH ${completing.sql} SELECT 1 FROM completed`,
          completing.parameters,
        );
        if (completed.length === 0) throw takenOver();
        return result;
      });
      return { ...response, replayed: false };
    } catch (error) {
      // The work did not commit: free the key (if it is still ours) so that a corrected retry is not
      // refused as a replay. A key no longer ours was taken over: the retry's response is the one that
      // counts, whatever made this work fail (a balance the retry's payment has paid, say).
      const freed = await this.dataSource.getRepository(IdempotencyKeyEntity).delete(owned);
      if (!freed.affected) throw takenOver();
      throw error;
    }
  }

  /** The keys' table, schema-qualified (hot paths write SQL, not TypeORM query builders). */
  private table(): string {
    return qualifiedTableName(this.dataSource, IdempotencyKeyEntity);
  }

  /** Deletes keys older than the retention, in batches; returns how many. */
  async purgeExpired(retentionHours = IDEMPOTENCY_KEY_RETENTION_HOURS, batchSize = 5_000): Promise<number> {
    const table = this.table();
    let purged = 0;
    for (;;) {
      // A SELECT around the DELETE: TypeORM returns [rows, count] for a bare DELETE … RETURNING.
      const deleted: unknown[] = await this.dataSource.query(
        `WITH gone AS (
           DELETE FROM ${table} WHERE ctid IN (
             SELECT ctid FROM ${table} WHERE created_at < now() - make_interval(hours => $1) LIMIT $2)
           RETURNING 1)
         SELECT 1 FROM gone`,
        [retentionHours, batchSize],
      );
      purged += deleted.length;
      if (deleted.length < batchSize) break;
    }
    if (purged > 0) this.logger.log(`purged ${purged} idempotency key(s) older than ${retentionHours}h`);
    return purged;
  }

  private async claim(scope: string, key: string, requestHash: string, round = 1): Promise<Claim> {
    const repository = this.dataSource.getRepository(IdempotencyKeyEntity);
    const token = randomUUID();
    const inserted = await this.dataSource.query<unknown[]>(
      `INSERT INTO ${this.table()} (scope, idempotency_key, request_hash, state, locked_at, lock_token)
       VALUES ($1, $2, $3, 'in_flight', now(), $4)
       ON CONFLICT DO NOTHING
       RETURNING scope`,
      [scope, key, requestHash, token],
    );
    if (inserted.length > 0) return { ok: true, token };

    const existing = await repository.findOneBy({ scope, idempotencyKey: key });
    // Freed or completed between our insert and read: look again (a bounded number of times).
    if (!existing) return this.again(scope, key, requestHash, round);
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
    // Waits for the row lock of a request still working under this key, then finds it completed.
    const takenOver = await repository
      .createQueryBuilder()
      .update()
      .set({ lockedAt: () => 'now()', lockToken: token })
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
      return { ok: true, token };
    }
    const now = await repository.findOneBy({ scope, idempotencyKey: key });
    if (!now || now.state === 'completed') return this.again(scope, key, requestHash, round);
    throw AppError.conflict(
      'IDEMPOTENCY.REQUEST_IN_FLIGHT',
      'a request with this Idempotency-Key is still being processed',
    );
  }

  private again(scope: string, key: string, requestHash: string, round: number): Promise<Claim> {
    if (round >= 3) {
      throw AppError.conflict(
        'IDEMPOTENCY.REQUEST_IN_FLIGHT',
        'a request with this Idempotency-Key is still being processed',
      );
    }
    return this.claim(scope, key, requestHash, round + 1);
  }
}

/** The answer to a request whose key a retry took over (`IN_FLIGHT_TIMEOUT_SECONDS`) before it completed. */
function takenOver(): AppError {
  return AppError.conflict(
    'IDEMPOTENCY.REQUEST_TAKEN_OVER',
    'a retry with this Idempotency-Key took the request over; its response is the one that counts',
  );
}
