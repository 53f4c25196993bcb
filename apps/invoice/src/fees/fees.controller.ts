import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { z } from 'zod';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import {
  assertCustomerAccess,
  CurrentPrincipal,
  Roles,
  ZodValidationPipe,
  type Principal,
} from '@remit/platform';
import { waiveFeeSchema, type FeeView, type WaiveFeeRequest } from './fee.schema';
import { WaiveFeeService } from './waive-fee.service';

@ApiTags('fees')
@ApiBearerAuth()
@Controller('v1')
export class FeesController {
  constructor(private readonly fees: WaiveFeeService) {}

  @Post('fees/:feeId/waive')
  @HttpCode(200)
  @Roles('ops')
  waive(
    @Param('feeId', new ZodValidationPipe(z.string().uuid())) feeId: string,
    @Body(new ZodValidationPipe(waiveFeeSchema)) body: WaiveFeeRequest,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FeeView> {
    return this.fees.waive(feeId, body.reason, principal.sub);
  }

  @Get('customers/:customerId/fees')
  list(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<FeeView[]> {
    assertCustomerAccess(principal, customerId);
    return this.fees.list(customerId);
  }
}
