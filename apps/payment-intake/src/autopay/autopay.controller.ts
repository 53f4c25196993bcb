import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, Roles, type Principal } from '@remit/platform';
import { AutopayRunService, type AutopayRunResult } from './autopay-run.service';
import { AutopayService, type AutopayEnrolmentView } from './autopay.service';

@ApiTags('autopay')
@ApiBearerAuth()
@Controller('v1')
export class AutopayController {
  constructor(
    private readonly autopay: AutopayService,
    private readonly runs: AutopayRunService,
  ) {}

  @Get('customers/:customerId/autopay')
  get(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AutopayEnrolmentView> {
    return this.autopay.get(principal, customerId);
  }

  /** `{paymentMethodId, daysBeforeDue?}`: enrols, or changes the enrolment (and resumes a suspended one). */
  @Put('customers/:customerId/autopay')
  put(
    @Param('customerId') customerId: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<AutopayEnrolmentView> {
    return this.autopay.put(principal, customerId, body);
  }

  @Delete('customers/:customerId/autopay')
  @HttpCode(204)
  remove(@Param('customerId') customerId: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.autopay.remove(principal, customerId);
  }

  /** Ops: the run of any date, the same use case as the daily job (safe to repeat). */
  @Post('autopay/runs')
  @Roles('ops')
  @HttpCode(200)
  run(@Body() body: unknown): Promise<AutopayRunResult> {
    return this.runs.runRequested(body);
  }
}
