import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  assertCustomerAccess,
  CurrentPrincipal,
  Roles,
  ZodValidationPipe,
  type Principal,
} from '@remit/platform';
import { CustomersService } from './customers.service';
import { createCustomerSchema, type CreateCustomerRequest, type CustomerView } from './customer.schema';

@ApiTags('customers')
@ApiBearerAuth()
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly customers: CustomersService) {}

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
}
