import { Body, Controller, Delete, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
} from '@nestjs/swagger';
import { Examples, Schemas } from '../openapi/openapi-schemas';
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
  @ApiOkResponse({ description: 'active and disabled saved methods', schema: Schemas.paymentMethodViews })
  list(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PaymentMethodView[]> {
    return this.paymentMethods.list(principal, customerId);
  }

  /** 201 for a new method; 200 with the method already saved for the same account. */
  @Post()
  @ApiBody({
    schema: Schemas.savePaymentMethod,
    examples: { account: { value: Examples.savePaymentMethod } },
  })
  @ApiCreatedResponse({
    description: 'a new saved method',
    schema: Schemas.paymentMethodView,
    example: Examples.paymentMethodView,
  })
  @ApiOkResponse({
    description: 'the method already saved for this account',
    schema: Schemas.paymentMethodView,
  })
  @ApiUnprocessableEntityResponse({
    description: 'the account was disabled by a return',
    schema: Schemas.error,
  })
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
  @ApiNoContentResponse({ description: 'removed (autopay with it ends)' })
  remove(
    @Param('customerId') customerId: string,
    @Param('paymentMethodId') paymentMethodId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    return this.paymentMethods.remove(principal, customerId, paymentMethodId);
  }
}
