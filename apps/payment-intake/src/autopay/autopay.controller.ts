import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '@remit/platform';
import { AutopayService, type AutopayView } from './autopay.service';

@ApiTags('autopay')
@ApiBearerAuth()
@Controller('v1/customers/:customerId/autopay')
export class AutopayController {
  constructor(private readonly autopay: AutopayService) {}

  @Get()
  get(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AutopayView> {
    return this.autopay.get(principal, customerId);
  }

  @Put()
  put(
    @Param('customerId') customerId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AutopayView> {
    return this.autopay.put(principal, customerId, body);
  }

  @Delete()
  @HttpCode(204)
  remove(@Param('customerId') customerId: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.autopay.remove(principal, customerId);
  }
}
