import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { businessDateSchema } from '@remit/contracts';
import { Roles, ZodValidationPipe } from '@remit/platform';
import { DailyReportService, type DailyReportView } from './daily-report.service';

@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1/settlement/reports')
export class ReportsController {
  constructor(private readonly reports: DailyReportService) {}

  /** The same object as `settlement-day.closed`'s data; a day not closed yet has `closedAt: null`. */
  @Get('daily')
  @Roles('ops')
  daily(@Query('date', new ZodValidationPipe(businessDateSchema)) date: string): Promise<DailyReportView> {
    return this.reports.view(date);
  }
}
