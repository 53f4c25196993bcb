import { Controller, Get, HttpCode, Inject, Injectable, Res, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Response } from 'express';
import type Redis from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Public } from './auth';
import { REMIT_CONFIG, type RemitConfig } from './config';
import { REDIS } from './redis';
import { SERVICE_NAME } from './tokens';

type CheckState = 'up' | 'down';

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  });
}

@Injectable()
export class HealthChecker implements OnModuleDestroy {
  private admin?: Admin;
  private adminConnected?: Promise<void>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  async check(): Promise<{ postgres: CheckState; redis: CheckState; kafka: CheckState }> {
    const [postgres, redis, kafka] = await Promise.all([
      this.probe(() => this.dataSource.query('SELECT 1')),
      this.probe(() => this.redis.ping()),
      this.probe(() => this.kafkaProbe()),
    ]);
    return { postgres, redis, kafka };
  }

  private async probe(run: () => Promise<unknown>): Promise<CheckState> {
    try {
      await withTimeout(run(), 2000);
      return 'up';
    } catch {
      return 'down';
    }
  }

  private async kafkaProbe(): Promise<void> {
    if (!this.admin) {
      const kafka = new Kafka({
        clientId: 'remit-health',
        brokers: this.config.kafkaBrokers,
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
        connectionTimeout: 1500,
      });
      this.admin = kafka.admin();
      this.adminConnected = this.admin.connect();
    }
    try {
      await this.adminConnected;
      await this.admin.describeCluster();
    } catch (error) {
      // Start over on the next probe: a broker restart leaves this admin unusable.
      const stale = this.admin;
      this.admin = undefined;
      await stale?.disconnect().catch(() => undefined);
      throw error;
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.admin?.disconnect().catch(() => undefined);
  }
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly checker: HealthChecker,
    @Inject(SERVICE_NAME) private readonly service: string,
  ) {}

  @Get()
  @Public()
  @HttpCode(200)
  async health(@Res({ passthrough: true }) response: Response) {
    const checks = await this.checker.check();
    const healthy = Object.values(checks).every((state) => state === 'up');
    response.status(healthy ? 200 : 503);
    return { status: healthy ? 'ok' : 'unavailable', service: this.service, checks };
  }
}
