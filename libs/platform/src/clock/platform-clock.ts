import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type Redis from 'ioredis';
import { REMIT_CONFIG, type RemitConfig } from '../config/remit-config';
import { REDIS } from '../redis/redis';
import { Clock } from './clock';

/** Redis key of the shared test clock: an ISO instant, absent when the clock runs in real time. */
export const TEST_CLOCK_KEY = 'remit:test-clock';

export interface TestClockState {
  /** UTC ISO instant. */
  now: string;
  /** True when a test clock instant is set (time stands still there until set again or reset). */
  frozen: boolean;
}

/** The Redis commands the clock uses — a narrow seam, so that unit tests need no server. */
export type ClockStore = Pick<Redis, 'get' | 'set' | 'del'>;

/**
 * Real time, unless the test clock is enabled (`NODE_ENV=development` or `test` only; an unset
 * NODE_ENV is production). There, a test clock shared by every service through Redis, as in
 * Stripe's test clocks or Kill Bill's test mode (docs/architecture.md, "Business-day rules"): when an instant is
 * set, `now()` returns it — frozen — in every service until it is set again; reset, it is real time.
 * `REMIT_NOW` sets it when a service starts.
 */
@Injectable()
export class PlatformClock extends Clock implements OnModuleInit {
  private readonly logger = new Logger(PlatformClock.name);

  constructor(
    @Inject(REDIS) private readonly store: ClockStore,
    @Inject(REMIT_CONFIG) private readonly config: Pick<RemitConfig, 'testClockEnabled' | 'remitNow'>,
  ) {
    super();
  }

  get testClockEnabled(): boolean {
    return this.config.testClockEnabled;
  }

  async onModuleInit(): Promise<void> {
    if (this.testClockEnabled && this.config.remitNow !== undefined) {
      await this.set(new Date(this.config.remitNow));
      this.logger.log(`test clock set from REMIT_NOW: ${this.config.remitNow}`);
    }
  }

  async now(): Promise<Date> {
    return new Date((await this.get()).now);
  }

  async get(): Promise<TestClockState> {
    if (!this.testClockEnabled) return { now: new Date().toISOString(), frozen: false };
    const stored = await this.store.get(TEST_CLOCK_KEY);
    if (stored === null) return { now: new Date().toISOString(), frozen: false };
    const instant = new Date(stored);
    // Never fall back to real time silently: a test would then pass or fail for the wrong reason.
    if (Number.isNaN(instant.getTime())) {
      throw new Error(`the test clock in Redis (${TEST_CLOCK_KEY}) holds no valid instant`);
    }
    return { now: instant.toISOString(), frozen: true };
  }

  async set(instant: Date): Promise<TestClockState> {
    this.assertTestClock();
    if (Number.isNaN(instant.getTime())) throw new Error('the test clock needs a valid instant');
    await this.store.set(TEST_CLOCK_KEY, instant.toISOString());
    return { now: instant.toISOString(), frozen: true };
  }

  async reset(): Promise<TestClockState> {
    this.assertTestClock();
    await this.store.del(TEST_CLOCK_KEY);
    return { now: new Date().toISOString(), frozen: false };
  }

  private assertTestClock(): void {
    if (!this.testClockEnabled) throw new Error('the test clock does not exist in production');
  }
}
