import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, type Principal } from '@remit/platform';
import { PaymentMethodsService } from './payment-methods.service';
import type { PaymentMethodView } from './payment-method.view';

@ApiTags('payment-methods')
@ApiBearerAuth()
@Controller('v1/customers/:customerId/payment-methods')
export class PaymentMethodsController {
  constructor(private readonly paymentMethods: PaymentMethodsService) {}

  @Get()
  list(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PaymentMethodView[]> {
    return this.paymentMethods.list(principal, customerId);
  }

  /** 201 for a new method; 200 with the method already saved for the same account. */
  @Post()
  async create(
    @Param('customerId') customerId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PaymentMethodView> {
    const result = await this.paymentMethods.create(principal, customerId, body);
    response.status(result.status);
    return result.body;
  }

  @Delete(':paymentMethodId')
  @HttpCode(204)
  remove(
    @Param('customerId') customerId: string,
    @Param('paymentMethodId') paymentMethodId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.paymentMethods.remove(principal, customerId, paymentMethodId);
  }
}
