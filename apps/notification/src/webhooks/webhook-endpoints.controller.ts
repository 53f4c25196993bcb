import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { AppError, CurrentPrincipal, type Principal } from '@remit/platform';
import {
  WebhookEndpointsService,
  type CreatedWebhookEndpoint,
  type WebhookDeliveryView,
  type WebhookEndpointView,
} from './webhook-endpoints.service';

/** A customer manages the endpoints of its own customers; ops any. */
@ApiTags('webhooks')
@ApiBearerAuth()
@Controller('v1/webhook-endpoints')
export class WebhookEndpointsController {
  constructor(private readonly endpoints: WebhookEndpointsService) {}

  @Post()
  @HttpCode(201)
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<CreatedWebhookEndpoint> {
    return this.endpoints.create(body, principal);
  }

  @Get()
  list(
    @Query('customerId') customerId: string | undefined,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookEndpointView[]> {
    if (!customerId) {
      throw AppError.validation([
        { field: 'customerId', code: 'REQUIRED', message: 'the customer whose endpoints to list' },
      ]);
    }
    return this.endpoints.list(customerId, principal);
  }

  @Delete(':endpointId')
  @HttpCode(204)
  delete(@Param('endpointId') endpointId: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    return this.endpoints.delete(endpointId, principal);
  }

  @Get(':endpointId/deliveries')
  deliveries(
    @Param('endpointId') endpointId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookDeliveryView[]> {
    return this.endpoints.deliveries(endpointId, principal);
  }
}
