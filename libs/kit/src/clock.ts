import { Body, Controller, Delete, Get, Inject, Injectable, Put, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { z } from 'zod';
import { Roles } from './auth';
import { REMIT_CONFIG, type RemitConfig } from './config';
import { AppError, parseWith } from './errors';
import { REDIS } from './redis';

/** Every service reads time through this (DESIGN.md, Business-day rules: one platform clock). */
export abstract class Clock {
  abstract now(): Promise<Date>;
}

export const TEST_CLOCK_KEY = 'remit:test-clock';

/**
 * Outside production, a test clock shared through Redis, like Stripe's test clocks: once set, every
 * service sees the same frozen instant until it is set again or reset; unset, it is real time.
 */
@Injectable()
export class PlatformClock extends Clock implements OnModuleInit {
  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {
    super();
  }

  get testMode(): boolean {
    return this.config.nodeEnv !== 'production';
  }

  async onModuleInit(): Promise<void> {
    if (this.testMode && this.config.remitNow) await this.set(new Date(this.config.remitNow));
  }

  async now(): Promise<Date> {
    if (!this.testMode) return new Date();
    const frozen = await this.redis.get(TEST_CLOCK_KEY);
    return frozen ? new Date(frozen) : new Date();
  }

  async state(): Promise<{ now: string; frozen: boolean }> {
    const frozen = this.testMode ? await this.redis.get(TEST_CLOCK_KEY) : null;
    return { now: (frozen ? new Date(frozen) : new Date()).toISOString(), frozen: frozen !== null };
  }

  async set(instant: Date): Promise<void> {
    await this.redis.set(TEST_CLOCK_KEY, instant.toISOString());
  }

  async reset(): Promise<void> {
    await this.redis.del(TEST_CLOCK_KEY);
  }
}

const setClockSchema = z.object({
  now: z.string().datetime({ offset: true, message: 'an ISO 8601 instant with offset' }),
});

@Controller('v1/test/clock')
export class TestClockController {
  constructor(private readonly clock: PlatformClock) {}

  private assertTestMode(): void {
    if (!this.clock.testMode)
      throw AppError.notFound('NOT_FOUND', 'the test clock does not exist in production');
  }

  @Get()
  @Roles('ops')
  get(): Promise<{ now: string; frozen: boolean }> {
    this.assertTestMode();
    return this.clock.state();
  }

  @Put()
  @Roles('ops')
  async set(@Body() body: unknown): Promise<{ now: string; frozen: boolean }> {
    this.assertTestMode();
    const { now } = parseWith(setClockSchema, body);
    await this.clock.set(new Date(now));
    return this.clock.state();
  }

  @Delete()
  @Roles('ops')
  async reset(): Promise<{ now: string; frozen: boolean }> {
    this.assertTestMode();
    await this.clock.reset();
    return this.clock.state();
  }
}
