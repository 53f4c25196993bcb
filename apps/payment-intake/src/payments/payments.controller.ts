import { Body, Controller, Get, Headers, HttpCode, Param, Post, Res } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiBadRequestResponse,
} from '@nestjs/swagger';
import { Examples, Schemas } from '../openapi/openapi-schemas';
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
  @ApiHeader({
    name: 'Idempotency-Key',
    required: true,
    description: 'same key and body: the same response again; other body: 422; still in flight: 409',
  })
  @ApiBody({ schema: Schemas.submitPayment, examples: Examples.submitPayment })
  @ApiCreatedResponse({
    description: 'the payment, with the notice of its method',
    schema: Schemas.paymentView,
    example: Examples.paymentView,
  })
  @ApiBadRequestResponse({
    description: 'a malformed request; each detail names its field',
    schema: Schemas.error,
    example: Examples.validationError,
  })
  @ApiUnprocessableEntityResponse({
    description: 'refused by a business rule (invoice, amount, routing number, saved method, reused key)',
    schema: Schemas.error,
    example: Examples.methodDisabled,
  })
  @ApiConflictResponse({
    description: 'a request with this key is still in flight',
    schema: Schemas.error,
    example: Examples.inFlight,
  })
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
  @ApiOkResponse({ description: 'the payment with its status history', schema: Schemas.paymentView })
  get(@Param('paymentId') paymentId: string, @CurrentPrincipal() principal: Principal): Promise<PaymentView> {
    return this.payments.get(principal, paymentId);
  }

  /** 200 with the canceled payment (again, if it was already canceled); 409 once it can no longer be. */
  @Post('payments/:paymentId/cancel')
  @HttpCode(200)
  @ApiOkResponse({ description: 'the canceled payment', schema: Schemas.paymentView })
  @ApiConflictResponse({
    description: 'past its cutoff, or no longer submitted, scheduled or awaiting funds',
    schema: Schemas.error,
    example: Examples.notCancelable,
  })
  cancel(
    @Param('paymentId') paymentId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PaymentView> {
    return this.cancelPayment.cancel(principal, paymentId);
  }

  @Get('customers/:customerId/payments')
  @ApiOkResponse({ description: "the customer's payments, newest first", schema: Schemas.paymentViews })
  list(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<PaymentView[]> {
    return this.payments.list(principal, customerId);
  }
}
