import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { SERVICE_NAME, type ServiceName } from '../tokens';
import { HealthChecker, type HealthChecks } from './health.checker';

export interface HealthReport {
  status: 'ok' | 'unavailable';
  service: ServiceName;
  checks: HealthChecks;
}

/** `GET /health` (public): 200 when every dependency is up, else 503 naming the one that is down. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly checker: HealthChecker,
    @Inject(SERVICE_NAME) private readonly service: ServiceName,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Whether PostgreSQL, Redis and Kafka are reachable' })
  async health(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    const checks = await this.checker.check();
    const healthy = Object.values(checks).every((state) => state === 'up');
    response.status(healthy ? 200 : 503);
    response.setHeader('Cache-Control', 'no-store');
    return { status: healthy ? 'ok' : 'unavailable', service: this.service, checks };
  }
}
