import { Body, Controller, Delete, Get, HttpCode, Param, Put } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Examples, Schemas } from '../openapi/openapi-schemas';
import { CurrentPrincipal, type Principal } from '@remit/platform';
import { AutopayService, type AutopayView } from './autopay.service';

@ApiTags('autopay')
@ApiBearerAuth()
@Controller('v1/customers/:customerId/autopay')
export class AutopayController {
  constructor(private readonly autopay: AutopayService) {}

  @Get()
  @ApiOkResponse({ schema: Schemas.autopayView, example: Examples.autopayView })
  @ApiNotFoundResponse({ description: 'not enrolled', schema: Schemas.error })
  get(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AutopayView> {
    return this.autopay.get(principal, customerId);
  }

  @Put()
  @ApiBody({ schema: Schemas.autopayRequest, examples: { enrol: { value: Examples.autopayRequest } } })
  @ApiOkResponse({ schema: Schemas.autopayView, example: Examples.autopayView })
  put(
    @Param('customerId') customerId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AutopayView> {
    return this.autopay.put(principal, customerId, body);
  }

  @Delete()
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'autopay ended (or was never on)' })
  remove(@Param('customerId') customerId: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.autopay.remove(principal, customerId);
  }
}
