import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { businessDateSchema } from '@remit/contracts';
import { Roles, ZodValidationPipe } from '@remit/platform';
import { PostPaymentService, type SettlementRunResult } from './post-payment.service';

const runSchema = z.object({
  asOf: businessDateSchema,
});

@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1/settlement')
export class SettlementController {
  constructor(private readonly postings: PostPaymentService) {}

  @Post('run')
  @HttpCode(200)
  @Roles('ops')
  run(@Body(new ZodValidationPipe(runSchema)) body: z.infer<typeof runSchema>): Promise<SettlementRunResult> {
    return this.postings.run(body.asOf);
  }
}
