import { Body, Controller, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { parseBody, Roles } from '@remit/platform';
import { receiptRequestSchema } from './receipt.schema';
import { ReceiptService } from './receipt.service';
import type { ReceiptView } from './receipt.view';

@ApiTags('settlement')
@ApiBearerAuth()
@Controller('v1/settlement')
export class ReceiptsController {
  constructor(private readonly receipts: ReceiptService) {}

  /** 201 with what the receipt did; the same type and reference again: 200 with the first result. */
  @Post('receipts')
  @Roles('ops')
  async record(@Body() body: unknown, @Res({ passthrough: true }) response: Response): Promise<ReceiptView> {
    const result = await this.receipts.record(parseBody(receiptRequestSchema, body));
    response.status(result.created ? 201 : 200);
    return result.receipt;
  }
}
