import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  assertCustomerAccess,
  CurrentPrincipal,
  Roles,
  ZodValidationPipe,
  type Principal,
} from '@remit/platform';
import { LedgerService, type ActivityPage, type LedgerVerification } from './ledger.service';

const activityQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/, 'a cursor from a previous page')
    .transform(Number)
    .optional(),
});
type ActivityQuery = z.infer<typeof activityQuerySchema>;

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('v1')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('ledger/verify')
  @Roles('ops')
  verify(): Promise<LedgerVerification> {
    return this.ledger.verify();
  }

  /** Ledger lines newest first with the running balance; `?limit=` and `?cursor=` (the previous page's `nextCursor`). */
  @Get('customers/:customerId/activity')
  activity(
    @Param('customerId') customerId: string,
    @Query(new ZodValidationPipe(activityQuerySchema)) query: ActivityQuery,
    @CurrentPrincipal() principal: Principal,
  ): Promise<ActivityPage> {
    assertCustomerAccess(principal, customerId);
    return this.ledger.activity(customerId, query.limit, query.cursor);
  }
}
