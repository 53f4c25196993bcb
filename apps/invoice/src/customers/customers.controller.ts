import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  assertCustomerAccess,
  CurrentPrincipal,
  Roles,
  ZodValidationPipe,
  type Principal,
} from '@remit/platform';
import { CreditService, type CreditApplicationResult } from '../credit/credit.service';
import { CustomersService } from './customers.service';
import {
  createCustomerSchema,
  updateCustomerSchema,
  type CreateCustomerRequest,
  type CustomerView,
  type UpdateCustomerRequest,
} from './customer.schema';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(
    private readonly customers: CustomersService,
    private readonly credit: CreditService,
  ) {}

  @Post()
  @HttpCode(201)
  @Roles('ops')
  create(
    @Body(new ZodValidationPipe(createCustomerSchema)) body: CreateCustomerRequest,
  ): Promise<CustomerView> {
    return this.customers.create(body);
  }

  @Get(':customerId')
  get(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<CustomerView> {
    assertCustomerAccess(principal, customerId);
    return this.customers.view(customerId);
  }

  @Patch(':customerId')
  @Roles('ops')
  update(
    @Param('customerId') customerId: string,
    @Body(new ZodValidationPipe(updateCustomerSchema)) body: UpdateCustomerRequest,
  ): Promise<CustomerView> {
    return this.customers.update(customerId, body);
  }

  /** Applies the customer's credit to its open invoices, oldest due first. */
  @Post(':customerId/credit/apply')
  @HttpCode(200)
  @Roles('ops')
  applyCredit(@Param('customerId') customerId: string): Promise<CreditApplicationResult> {
    return this.credit.applyForCustomer(customerId);
  }
}
