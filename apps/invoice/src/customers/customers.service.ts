import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { Outbox } from '@remit/messaging';
import { AppError } from '@remit/platform';
import { InvoiceEntity } from '../invoices/invoice.entity';
import { PendingPaymentEntity } from '../payments/pending-payment.entity';
import { CustomerEntity } from './customer.entity';
import { AccountEntity } from './account.entity';
import type { CreateCustomerRequest, CustomerView, UpdateCustomerRequest } from './customer.schema';

@Injectable()
export class CustomersService {
  private readonly logger = new Logger(CustomersService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly outbox: Outbox,
  ) {}

  async create(request: CreateCustomerRequest): Promise<CustomerView> {
    await this.dataSource.transaction(async (manager) => {
      const existing = await manager.findOneBy(CustomerEntity, { customerId: request.customerId });
      if (existing)
        throw AppError.conflict('CUSTOMER.ALREADY_EXISTS', `customer ${request.customerId} already exists`);
      const taken = await manager
        .getRepository(AccountEntity)
        .createQueryBuilder('account')
        .where('account.account_number IN (:...numbers)', {
          numbers: request.accounts.map((a) => a.accountNumber),
        })
        .getMany();
      if (taken.length > 0) {
        throw AppError.conflict(
          'ACCOUNT.ALREADY_EXISTS',
          `account ${taken[0].accountNumber} belongs to another customer`,
        );
      }
      await manager.insert(CustomerEntity, {
        customerId: request.customerId,
        name: request.name,
        email: request.email,
        billingDelivery: request.billingDelivery,
        creditBalanceCents: 0,
      });
      await manager.insert(
        AccountEntity,
        request.accounts.map((account) => ({ ...account, customerId: request.customerId })),
      );
      await this.publish(manager, request.customerId, 'customer.created');
    });
    this.logger.log(`customer ${request.customerId} created with ${request.accounts.length} account(s)`);
    return this.view(request.customerId);
  }

  async update(customerId: string, request: UpdateCustomerRequest): Promise<CustomerView> {
    await this.dataSource.transaction(async (manager) => {
      const customer = await manager.findOne(CustomerEntity, {
        where: { customerId },
        lock: { mode: 'pessimistic_write' },
      });
      if (!customer) throw AppError.notFound('CUSTOMER.NOT_FOUND', `customer ${customerId} not found`);
      const changes = Object.fromEntries(
        Object.entries(request).filter(
          ([key, value]) => value !== undefined && customer[key as keyof typeof request] !== value,
        ),
      );
      if (Object.keys(changes).length === 0) return;
      await manager.update(CustomerEntity, { customerId }, changes);
      await this.publish(manager, customerId, 'customer.updated');
    });
    return this.view(customerId);
  }

  /** Notification keeps its recipients from these events (name, email, sites). */
  private async publish(
    manager: EntityManager,
    customerId: string,
    type: 'customer.created' | 'customer.updated',
  ): Promise<void> {
    const customer = (await manager.findOne(CustomerEntity, {
      where: { customerId },
      relations: { accounts: true },
    }))!;
    await this.outbox.add(manager, {
      type,
      customerId,
      subject: customerId,
      data: {
        customerId,
        name: customer.name,
        email: customer.email,
        billingDelivery: customer.billingDelivery,
        accounts: customer.accounts
          .map(({ accountNumber, siteName, city }) => ({ accountNumber, siteName, city }))
          .sort((a, b) => a.accountNumber.localeCompare(b.accountNumber)),
      },
    });
  }

  async view(customerId: string): Promise<CustomerView> {
    const customer = await this.dataSource.getRepository(CustomerEntity).findOne({
      where: { customerId },
      relations: { accounts: true },
    });
    if (!customer) throw AppError.notFound('CUSTOMER.NOT_FOUND', `customer ${customerId} not found`);
    const open = await this.dataSource
      .getRepository(InvoiceEntity)
      .createQueryBuilder('invoice')
      .select('COALESCE(SUM(invoice.amount_due_cents), 0)::text', 'balance')
      .addSelect('MIN(invoice.due_date)::text', 'dueBy')
      .where('invoice.customer_id = :customerId AND invoice.status = :status', { customerId, status: 'open' })
      .getRawOne<{ balance: string; dueBy: string | null }>();
    const pending = await this.dataSource
      .getRepository(PendingPaymentEntity)
      .createQueryBuilder('payment')
      .select('COALESCE(SUM(payment.amount_cents), 0)::text', 'pending')
      // 'pending' written out: pending_payments_customer_idx is partial on it, and a prepared statement's
      // generic plan cannot use a partial index for a status given as a parameter.
      .where(`payment.customer_id = :customerId AND payment.status = 'pending'`, { customerId })
      .getRawOne<{ pending: string }>();
    return {
      customerId: customer.customerId,
      name: customer.name,
      email: customer.email,
      billingDelivery: customer.billingDelivery,
      currentBalanceCents: Number(open?.balance ?? 0),
      pendingPaymentsCents: Number(pending?.pending ?? 0),
      creditBalanceCents: customer.creditBalanceCents,
      dueBy: open?.dueBy ?? null,
      accounts: customer.accounts
        .map(({ accountNumber, siteName, city }) => ({ accountNumber, siteName, city }))
        .sort((a, b) => a.accountNumber.localeCompare(b.accountNumber)),
    };
  }
}
