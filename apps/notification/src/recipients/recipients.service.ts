import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { CloudEvent } from '@remit/contracts';
import { flushBatchWork } from '@remit/messaging';
import { RecipientEntity } from './recipient.entity';

/** The recipients read model: who a customer's emails go to, kept from invoice's customer events. */
@Injectable()
export class RecipientsService {
  /**
   * Upserts the customer; an event older than the row (a redelivery out of order) changes nothing.
   * The notifications of the batch's earlier events are recorded first (`flushBatchWork`): they go to
   * the recipient as it was when they happened.
   */
  async upsert(
    event: CloudEvent<'customer.created'> | CloudEvent<'customer.updated'>,
    manager: EntityManager,
  ): Promise<void> {
    await flushBatchWork(manager);
    const customer = event.data;
    const sites = customer.accounts.map((account) => ({
      accountNumber: account.accountNumber,
      siteName: account.siteName,
      city: account.city,
    }));
    await manager.query(
      `INSERT INTO notification.recipients (customer_id, name, email, sites, event_time)
       VALUES ($1, $2, $3, $4::jsonb, $5)
       ON CONFLICT (customer_id) DO UPDATE
         SET name = EXCLUDED.name, email = EXCLUDED.email, sites = EXCLUDED.sites,
             event_time = EXCLUDED.event_time, updated_at = now()
         WHERE notification.recipients.event_time <= EXCLUDED.event_time`,
      [customer.customerId, customer.name, customer.email, JSON.stringify(sites), event.time],
    );
  }

  find(customerId: string, manager: EntityManager): Promise<RecipientEntity | null> {
    return manager.getRepository(RecipientEntity).findOneBy({ customerId });
  }
}
