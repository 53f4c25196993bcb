import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { CurrentPrincipal, type Principal } from '@remit/platform';
import {
  WebhookEndpointsService,
  type CreatedWebhookEndpoint,
  type WebhookDeliveryView,
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

  @Get(':endpointId/deliveries')
  deliveries(
    @Param('endpointId') endpointId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<WebhookDeliveryView[]> {
    return this.endpoints.deliveries(endpointId, principal);
  }
}
