import { Controller, Get, Header, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { businessDateSchema } from '@remit/contracts';
import { CurrentPrincipal, Roles, ZodValidationPipe, type Principal } from '@remit/platform';
import { AchOriginationService, type AchFileView } from './ach-origination.service';

/** Finance ops read the NACHA origination files (docs/architecture.md, "Finance ops"). */
@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1/settlement/ach-files')
@Roles('ops')
export class AchFilesController {
  constructor(private readonly origination: AchOriginationService) {}

  @Get()
  list(
    @Query('date', new ZodValidationPipe(businessDateSchema.optional())) date: string | undefined,
  ): Promise<AchFileView[]> {
    return this.origination.listFiles(date);
  }

  @Get(':fileId')
  @Header('content-type', 'text/plain; charset=utf-8')
  @Header('cache-control', 'no-store')
  read(
    @Param('fileId', new ZodValidationPipe(z.string().uuid())) fileId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<string> {
    return this.origination.readFile(fileId, principal);
  }
}
