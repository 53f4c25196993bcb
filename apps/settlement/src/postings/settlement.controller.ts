import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { businessDateSchema } from '@remit/contracts';
import { Roles, ZodValidationPipe } from '@remit/platform';
import { DeclaredPaymentExpiryService } from '../receipts/declared-payment-expiry.service';
import { PostPaymentService, type SettlementRunResult } from './post-payment.service';

const runSchema = z.object({
  asOf: businessDateSchema,
});

@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1/settlement')
export class SettlementController {
  constructor(
    private readonly postings: PostPaymentService,
    private readonly expiry: DeclaredPaymentExpiryService,
  ) {}

  @Post('run')
  @HttpCode(200)
  @Roles('ops')
  async run(
    @Body(new ZodValidationPipe(runSchema)) body: z.infer<typeof runSchema>,
  ): Promise<SettlementRunResult & { expiredPaymentIds: string[] }> {
    const result = await this.postings.run(body.asOf);
    // Declared check and wire payments whose window ended by asOf (after run's asOf check).
    return { ...result, expiredPaymentIds: await this.expiry.expireDue(body.asOf) };
  }
}
