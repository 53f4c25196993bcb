import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { assertCustomerAccess, CurrentPrincipal, Roles, type Principal } from '@remit/platform';
import { LedgerService } from './ledger.service';

@ApiTags('ledger')
@ApiBearerAuth()
@Controller('v1')
export class LedgerController {
  constructor(private readonly ledger: LedgerService) {}

  @Get('ledger/verify')
  @Roles('ops')
  verify(): Promise<{ balanced: boolean; debitsCents: number; creditsCents: number }> {
    return this.ledger.verify();
  }

  @Get('customers/:customerId/activity')
  async activity(@Param('customerId') customerId: string, @CurrentPrincipal() principal: Principal) {
    assertCustomerAccess(principal, customerId);
    const entries = await this.ledger.activity(customerId);
    return entries.map(({ journalId, account, debitCents, creditCents, memo, createdAt }) => ({
      journalId,
      account,
      debitCents,
      creditCents,
      memo,
      createdAt: createdAt.toISOString(),
    }));
  }
}
