import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A customer's webhook endpoint; its signing secret only as ciphertext bound to the endpoint id. */
@Entity('webhook_endpoints')
export class WebhookEndpointEntity {
  @PrimaryColumn({ name: 'endpoint_id', type: 'uuid' })
  endpointId!: string;

  @Column({ name: 'customer_id', type: 'text' })
  customerId!: string;

  @Column({ type: 'text' })
  url!: string;

  /** The event types delivered to it. */
  @Column({ type: 'jsonb' })
  events!: string[];

  @Column({ name: 'secret_ciphertext', type: 'text' })
  secretCiphertext!: string;

  @Column({ name: 'key_id', type: 'text' })
  keyId!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
