import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { businessDateSchema } from '@remit/contracts';
import { Roles, ZodValidationPipe } from '@remit/platform';
import { DeclaredPaymentExpiryService } from '../receipts/declared-payment-expiry.service';
import { AchOriginationService, type AchFileView } from '../origination/ach-origination.service';
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
    private readonly origination: AchOriginationService,
  ) {}

  @Post('run')
  @HttpCode(200)
  @Roles('ops')
  async run(@Body(new ZodValidationPipe(runSchema)) body: z.infer<typeof runSchema>): Promise<
    SettlementRunResult & {
      closedDays: string[];
      failedDays: { businessDate: string; code: string; message: string }[];
      achFiles: AchFileView[];
      expiredPaymentIds: string[];
    }
  > {
    const posted = await this.postings.run(body.asOf);
    // Every business day before asOf still open gets its ACH file (docs/architecture.md, "Settlement run").
    const closed = await this.origination.closeOpenDaysBefore(body.asOf);
    return {
      ...posted,
      closedDays: closed.filter((day) => day.newlyClosed).map((day) => day.businessDate),
      failedDays: closed.flatMap((day) =>
        day.error ? [{ businessDate: day.businessDate, ...day.error }] : [],
      ),
      achFiles: closed.flatMap((day) => (day.file ? [day.file] : [])),
      // Declared check and wire payments whose window ended by asOf.
      expiredPaymentIds: await this.expiry.expireDue(body.asOf),
    };
  }
}
