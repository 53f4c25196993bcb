import { Controller, Get, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { assertCustomerAccess, CurrentPrincipal, type Principal } from '@remit/platform';
import { NotificationsService, type NotificationView } from './notifications.service';

@ApiTags('notifications')
@ApiBearerAuth()
@Controller('v1/customers/:customerId/notifications')
export class NotificationsController {
  constructor(private readonly notifications: NotificationsService) {}

  @Get()
  list(
    @Param('customerId') customerId: string,
    @CurrentPrincipal() principal: Principal,
  ): Promise<NotificationView[]> {
    assertCustomerAccess(principal, customerId);
    return this.notifications.list(customerId);
  }
}
