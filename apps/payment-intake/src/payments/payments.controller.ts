import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { CurrentPrincipal, type Principal } from '@remit/platform';
import { CancelPaymentService } from './cancel-payment.service';
import { PaymentsQuery } from './payments.query';
import { SubmitPaymentService } from './submit-payment.service';
import type { PaymentView } from './payment.view';

@ApiTags('payments')
@ApiBearerAuth()
@Controller('v1')
export class PaymentsController {
  constructor(
    private readonly submitPayment: SubmitPaymentService,
    private readonly payments: PaymentsQuery,
    private readonly cancelPayment: CancelPaymentService,
  ) {}

  @Post('payments')
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  async submit(
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) response: Response,
  ): Promise<PaymentView> {
    const result = await this.submitPayment.submit(principal, idempotencyKey, body);
    response.status(result.status);
    if (result.replayed) response.setHeader('Idempotent-Replayed', 'true');
    return result.body;
  }

  @Get('payments/:paymentId')
  get(@Param('paymentId') paymentId: string, @CurrentPrincipal() principal: Principal): Promise<PaymentView> {
    return this.payments.get(principal, paymentId);
  }

  /** 200 with the canceled payment (again, if it was already canceled); 409 once it can no longer be. */
  @Post('payments/:paymentId/cancel')
  @HttpCode(200)
  cancel(
    @Param('paymentId') paymentId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PaymentView> {
    return this.cancelPayment.cancel(principal, paymentId);
  }

  @Get('customers/:customerId/payments')
  list(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PaymentView[]> {
    return this.payments.list(principal, customerId);
  }
}
