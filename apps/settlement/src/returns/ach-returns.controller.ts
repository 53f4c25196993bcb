import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import {
  AppError,
  CurrentPrincipal,
  parseBody,
  Roles,
  ZodValidationPipe,
  type Principal,
} from '@remit/platform';
import { AchReturnsService, type AchReturnsResult, type AchReturnView } from './ach-returns.service';

const opsReturnSchema = z.object({
  paymentId: z.string().uuid(),
  returnCode: z.string().regex(/^R\d{2}$/, 'a NACHA return code such as R01'),
});

/**
 * Finance ops feed ACH returns (docs/architecture.md, "Finance ops"): the bank's NACHA return file as
 * `text/plain`, or one return as JSON `{paymentId, returnCode}`.
 */
@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1/settlement/ach-returns')
@Roles('ops')
export class AchReturnsController {
  constructor(private readonly returns: AchReturnsService) {}

  @Post()
  @HttpCode(200)
  receive(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<AchReturnsResult> {
    if (typeof body === 'string') {
      if (body.trim() === '') {
        throw AppError.validation([{ field: '', code: 'empty', message: 'the NACHA return file is empty' }]);
      }
      return this.returns.receiveFile(body, principal);
    }
    const request = parseBody(opsReturnSchema, body);
    return this.returns.receiveOpsReturn(request.paymentId, request.returnCode, principal);
  }

  @Get()
  list(
    @Query('status', new ZodValidationPipe(z.enum(['matched', 'unmatched', 'all']).default('all')))
    status: 'matched' | 'unmatched' | 'all',
  ): Promise<AchReturnView[]> {
    return this.returns.list(status);
  }
}
