import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { Topics, type CloudEvent } from '@remit/contracts';
import { ConsumerHost } from '@remit/messaging';
import { InvoiceViewEntity } from './invoice-view.entity';

/** Keeps intake's invoice read model current from invoice.events.v1. */
@Injectable()
export class InvoiceViewConsumer implements OnModuleInit {
  private readonly logger = new Logger(InvoiceViewConsumer.name);

  constructor(private readonly host: ConsumerHost) {}

  onModuleInit(): void {
    this.host.register({
      groupId: 'payment-intake.invoice-view',
      topics: [Topics.invoiceEvents],
      handlers: {
        'invoice.issued': (event, manager) => this.upsert(event, manager),
        'invoice.balance-changed': (event, manager) => this.upsert(event, manager),
      },
    });
  }

  async upsert(
    event: CloudEvent<'invoice.issued'> | CloudEvent<'invoice.balance-changed'>,
    manager: EntityManager,
  ): Promise<void> {
    const invoice = event.data;
    await manager
      .createQueryBuilder()
      .insert()
      .into(InvoiceViewEntity)
      .values({
        invoiceId: invoice.invoiceId,
        invoiceNumber: invoice.invoiceNumber,
        customerId: invoice.customerId,
        dueDate: invoice.dueDate,
        invoiceDate: invoice.invoiceDate,
        amountDueCents: invoice.amountDueCents,
        status: invoice.status,
        updatedAt: new Date(event.time),
      })
      .orUpdate(['amount_due_cents', 'status', 'due_date', 'updated_at'], ['invoice_id'])
      .execute();
    this.logger.debug(
      `invoice ${invoice.invoiceNumber} now owes ${invoice.amountDueCents} cents (${invoice.status})`,
    );
  }
}
