import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppError } from '@remit/platform';
import { InvoiceEntity } from '../invoices/invoice.entity';
import { PendingPaymentEntity } from '../payments/pending-payment.entity';
import { CustomerEntity } from './customer.entity';
import { AccountEntity } from './account.entity';
import type { CreateCustomerRequest, CustomerView } from './customer.schema';

@Injectable()
export class CustomersService {
  private readonly logger = new Logger(CustomersService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

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
    });
    this.logger.log(`customer ${request.customerId} created with ${request.accounts.length} account(s)`);
    return this.view(request.customerId);
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
      .where('payment.customer_id = :customerId AND payment.status = :status', {
        customerId,
        status: 'pending',
      })
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
