import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { SERVICE_NAME, type ServiceName } from '../tokens';
import { allUp, HealthChecker, type HealthChecks, type ReadinessChecks } from './health.checker';

export type HealthStatus = 'ok' | 'unavailable';

export interface HealthReport {
  status: HealthStatus;
  service: ServiceName;
  checks: HealthChecks;
  /** What the service's detail providers say (`HealthDetailsRegistry`); absent when none is registered. */
  details?: Record<string, Record<string, unknown>>;
}

export interface ReadinessReport {
  status: HealthStatus;
  service: ServiceName;
  checks: ReadinessChecks;
}

export interface LivenessReport {
  status: 'ok';
  service: ServiceName;
}

/**
 * Health, public (docs/architecture.md, "Public contract"), never cached:
 *
 * - `GET /health/live`: 200 while the process serves HTTP; it checks no dependency, so that an outage
 *   of PostgreSQL or Redis never makes an orchestrator restart every pod (the liveness probe);
 * - `GET /health/ready`: 200 when PostgreSQL and Redis, which the API needs, answer, else 503 (the
 *   readiness probe: the pod leaves the load balancer until they are back);
 * - `GET /health`: every dependency (PostgreSQL, Redis, Kafka) and the registered details, for people
 *   and dashboards; 503 naming the one that is down.
 */
@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly checker: HealthChecker,
    @Inject(SERVICE_NAME) private readonly service: ServiceName,
  ) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Whether PostgreSQL, Redis and Kafka are reachable, with details' })
  async health(@Res({ passthrough: true }) response: Response): Promise<HealthReport> {
    const [checks, details] = await Promise.all([this.checker.check(), this.checker.details()]);
    const status = answer(response, allUp(checks));
    return {
      status,
      service: this.service,
      checks,
      ...(Object.keys(details).length > 0 ? { details } : {}),
    };
  }

  @Get('live')
  @Public()
  @ApiOperation({ summary: 'Liveness: the process serves HTTP (no dependency is checked)' })
  live(@Res({ passthrough: true }) response: Response): LivenessReport {
    answer(response, true);
    return { status: 'ok', service: this.service };
  }

  @Get('ready')
  @Public()
  @ApiOperation({ summary: 'Readiness: PostgreSQL and Redis, which the API needs, answer' })
  async ready(@Res({ passthrough: true }) response: Response): Promise<ReadinessReport> {
    const checks = await this.checker.ready();
    return { status: answer(response, allUp(checks)), service: this.service, checks };
  }
}

function answer(response: Response, healthy: boolean): HealthStatus {
  response.status(healthy ? 200 : 503);
  response.setHeader('Cache-Control', 'no-store');
  return healthy ? 'ok' : 'unavailable';
}
