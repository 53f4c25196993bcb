import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type IdempotencyState = 'in_flight' | 'completed';

/** One row per (caller, Idempotency-Key): the request's fingerprint and, once done, its response. */
@Entity('idempotency_keys')
export class IdempotencyKeyEntity {
  @PrimaryColumn({ type: 'text' })
  scope!: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'text' })
  idempotencyKey!: string;

  /** HMAC of the canonical request body: tells "same request" from "other request" without storing it. */
  @Column({ name: 'request_hash', type: 'text' })
  requestHash!: string;

  @Column({ type: 'text' })
  state!: IdempotencyState;

  @Column({ name: 'response_status', type: 'integer', nullable: true })
  responseStatus!: number | null;

  @Column({ name: 'response_body', type: 'jsonb', nullable: true })
  responseBody!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'locked_at', type: 'timestamptz' })
  lockedAt!: Date;

  /** Fencing token of the claim that may complete the key; a takeover replaces it. */
  @Column({ name: 'lock_token', type: 'uuid', nullable: true })
  lockToken!: string | null;
}
