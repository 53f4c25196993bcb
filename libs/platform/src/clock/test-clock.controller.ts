import { Body, Controller, Delete, Get, HttpCode, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { z } from 'zod';
import { Roles } from '../auth/auth.decorators';
import { AppError } from '../errors/app-error';
import { parseBody } from '../errors/zod-validation';
import { PlatformClock, type TestClockState } from './platform-clock';

export const setTestClockSchema = z.object({
  now: z
    .string({ error: (issue) => (issue.input === undefined ? 'now is required' : 'now must be a string') })
    .pipe(
      z.iso.datetime({
        offset: true,
        error: 'now must be an ISO 8601 instant with a time zone, e.g. 2026-11-23T15:00:00Z',
      }),
    ),
});

/**
 * `GET|PUT|DELETE /v1/test/clock` (ops): reads, freezes or resets the shared test clock of every
 * service. Registered only under `NODE_ENV=development` or `test` (`testClockEnabled`); elsewhere,
 * production included, these routes answer 404.
 */
@ApiTags('test clock')
@ApiBearerAuth()
@Roles('ops')
@Controller('v1/test/clock')
export class TestClockController {
  constructor(private readonly clock: PlatformClock) {}

  @Get()
  @ApiOperation({ summary: 'The platform time and whether the test clock is frozen' })
  get(): Promise<TestClockState> {
    this.assertAvailable();
    return this.clock.get();
  }

  @Put()
  @HttpCode(200)
  @ApiOperation({ summary: 'Freeze the test clock of every service at `now`' })
  set(@Body() body: unknown): Promise<TestClockState> {
    this.assertAvailable();
    const { now } = parseBody(setTestClockSchema, body);
    return this.clock.set(new Date(now));
  }

  @Delete()
  @HttpCode(200)
  @ApiOperation({ summary: 'Return every service to real time' })
  reset(): Promise<TestClockState> {
    this.assertAvailable();
    return this.clock.reset();
  }

  /** Defence in depth: PlatformModule registers this controller only where the test clock exists. */
  private assertAvailable(): void {
    if (!this.clock.testClockEnabled) throw AppError.notFound('NOT_FOUND', 'no such route');
  }
}
