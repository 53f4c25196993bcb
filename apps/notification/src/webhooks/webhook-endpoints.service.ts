import { randomBytes, randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { isIP } from 'node:net';
import { DataSource } from 'typeorm';
import { z } from 'zod';
import {
  AccountNumberCipher,
  AppError,
  assertCustomerAccess,
  parseWith,
  REMIT_CONFIG,
  type Principal,
  type RemitConfig,
} from '@remit/platform';
import { NotificationEntity, type NotificationStatus } from '../notifications/notification.entity';
import { WebhookEndpointEntity } from './webhook-endpoint.entity';
import { WEBHOOK_EVENT_TYPES } from './webhook-events';
import { WEBHOOK_SECRET_CIPHER } from './webhook-secret-cipher';
import { hostOf, isNonPublicAddress, webhookUrlProblem } from './webhook-url';

export const createWebhookEndpointSchema = z.object({
  customerId: z.string().min(1).max(100),
  url: z
    .string()
    .max(2000)
    .superRefine((value, ctx) => {
      const problem = webhookUrlProblem(value);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
  events: z.array(z.enum(WEBHOOK_EVENT_TYPES)).min(1),
});

export interface CreatedWebhookEndpoint {
  endpointId: string;
  /** Shown once: only its ciphertext is kept. */
  secret: string;
}

export interface WebhookEndpointView {
  endpointId: string;
  customerId: string;
  url: string;
  events: string[];
  createdAt: string;
}

export interface WebhookDeliveryView {
  deliveryId: string;
  eventId: string;
  type: string;
  status: NotificationStatus;
  attempts: number;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  sentAt: string | null;
}

/** Webhook endpoints: registered with a secret shown once, deliveries listed with their status. */
@Injectable()
export class WebhookEndpointsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(WEBHOOK_SECRET_CIPHER) private readonly cipher: AccountNumberCipher,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  async create(body: unknown, principal: Principal): Promise<CreatedWebhookEndpoint> {
    const input = parseWith(createWebhookEndpointSchema, body);
    assertCustomerAccess(principal, input.customerId);
    await this.assertDeliverable(input.url);
    const endpointId = randomUUID();
    const secret = `whsec_${randomBytes(32).toString('base64url')}`;
    const sealed = this.cipher.encrypt(secret, endpointId);
    await this.dataSource.getRepository(WebhookEndpointEntity).insert({
      endpointId,
      customerId: input.customerId,
      url: input.url,
      events: [...new Set(input.events)],
      secretCiphertext: sealed.ciphertext,
      keyId: sealed.keyId,
    });
    return { endpointId, secret };
  }

  /**
   * Refuses a host that is, or resolves to, a loopback or private address, unless
   * WEBHOOK_ALLOW_PRIVATE_URLS (on in development and test). Checked again before every delivery:
   * a name may resolve elsewhere later.
   */
  async assertDeliverable(url: string): Promise<void> {
    if (this.config.notification.webhookAllowPrivateUrls) return;
    const host = hostOf(url);
    let addresses: string[];
    if (isIP(host)) {
      addresses = [host];
    } else if (host === 'localhost' || host.endsWith('.localhost')) {
      addresses = ['127.0.0.1'];
    } else {
      try {
        addresses = (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
      } catch {
        throw AppError.unprocessable('WEBHOOK.URL_UNRESOLVABLE', 'the webhook host does not resolve', [
          { field: 'url', code: 'WEBHOOK.URL_UNRESOLVABLE', message: 'the host does not resolve' },
        ]);
      }
    }
    if (addresses.some(isNonPublicAddress)) {
      throw AppError.unprocessable('WEBHOOK.URL_NOT_PUBLIC', 'the webhook URL must reach a public address', [
        {
          field: 'url',
          code: 'WEBHOOK.URL_NOT_PUBLIC',
          message: 'loopback and private addresses are refused outside development',
        },
      ]);
    }
  }

  find(endpointId: string): Promise<WebhookEndpointEntity | null> {
    return this.dataSource.getRepository(WebhookEndpointEntity).findOneBy({ endpointId });
  }

  secretOf(endpoint: WebhookEndpointEntity): string {
    return this.cipher.decrypt(endpoint.secretCiphertext, endpoint.keyId, endpoint.endpointId);
  }

  /** A customer's endpoints, without their secrets. */
  async list(customerId: string, principal: Principal): Promise<WebhookEndpointView[]> {
    assertCustomerAccess(principal, customerId);
    const rows = await this.dataSource
      .getRepository(WebhookEndpointEntity)
      .find({ where: { customerId }, order: { createdAt: 'ASC' } });
    return rows.map((row) => ({
      endpointId: row.endpointId,
      customerId: row.customerId,
      url: row.url,
      events: row.events,
      createdAt: row.createdAt.toISOString(),
    }));
  }

  /** Deletes an endpoint; its deliveries still waiting are `dead` at once (nothing left to deliver to). */
  async delete(endpointId: string, principal: Principal): Promise<void> {
    const endpoint = await this.accessible(endpointId, principal);
    await this.dataSource.transaction(async (manager) => {
      await manager.getRepository(WebhookEndpointEntity).delete({ endpointId: endpoint.endpointId });
      await manager.query(
        `UPDATE notification.notifications
            SET status = 'dead', last_error = 'webhook endpoint deleted', updated_at = now()
          WHERE endpoint_id = $1 AND status IN ('pending', 'failed')`,
        [endpoint.endpointId],
      );
    });
  }

  private async accessible(endpointId: string, principal: Principal): Promise<WebhookEndpointEntity> {
    const endpoint = z.string().uuid().safeParse(endpointId).success ? await this.find(endpointId) : null;
    if (!endpoint) throw AppError.notFound('WEBHOOK.ENDPOINT_NOT_FOUND', 'no such webhook endpoint');
    assertCustomerAccess(principal, endpoint.customerId);
    return endpoint;
  }

  async deliveries(endpointId: string, principal: Principal): Promise<WebhookDeliveryView[]> {
    await this.accessible(endpointId, principal);
    const rows = await this.dataSource.getRepository(NotificationEntity).find({
      where: { endpointId },
      order: { createdAt: 'DESC' },
      take: 500,
    });
    return rows.map((row) => ({
      deliveryId: row.notificationId,
      eventId: row.eventId,
      type: row.type,
      status: row.status,
      attempts: row.attempts,
      lastError: row.lastError,
      createdAt: row.createdAt.toISOString(),
      lastAttemptAt: row.lastAttemptAt ? row.lastAttemptAt.toISOString() : null,
      sentAt: row.sentAt ? row.sentAt.toISOString() : null,
    }));
  }
}
