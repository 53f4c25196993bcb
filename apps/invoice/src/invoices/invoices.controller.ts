import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  assertCustomerAccess,
  CurrentPrincipal,
  Roles,
  ZodValidationPipe,
  type Principal,
} from '@remit/platform';
import {
  createInvoiceSchema,
  invoiceStatusFilterSchema,
  type CreateInvoiceRequest,
  type InvoiceView,
} from './invoice.schema';
import { InvoicesService } from './invoices.service';
import { IssueInvoiceService } from './issue-invoice.service';

@ApiTags('invoices')
@ApiBearerAuth()
@Controller('v1')
export class InvoicesController {
  constructor(
    private readonly invoices: InvoicesService,
    private readonly issuing: IssueInvoiceService,
  ) {}

  @Post('invoices')
  @HttpCode(201)
  @Roles('ops')
  create(@Body(new ZodValidationPipe(createInvoiceSchema)) body: CreateInvoiceRequest): Promise<InvoiceView> {
    return this.issuing.create(body);
  }

  @Get('customers/:customerId/invoices')
  list(
    @Param('customerId') customerId: string,
    @Query('status', new ZodValidationPipe(invoiceStatusFilterSchema)) status: 'open' | 'paid' | 'all',
    @CurrentPrincipal() principal: Principal,
  ): Promise<InvoiceView[]> {
    assertCustomerAccess(principal, customerId);
    return this.invoices.list(customerId, status);
  }
}
