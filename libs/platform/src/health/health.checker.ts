import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type Redis from 'ioredis';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { REMIT_CONFIG, type RemitConfig } from '../config/remit-config';
import { REDIS } from '../redis/redis';
import { HEALTH_DETAIL_UNAVAILABLE, HealthDetailsRegistry } from './health-details';

export type CheckState = 'up' | 'down';
/** What a service needs to serve its API: its PostgreSQL and its Redis (`GET /health/ready`). */
export interface ReadinessChecks {
  postgres: CheckState;
  redis: CheckState;
}
/** Every dependency (`GET /health`): also Kafka, which the outbox waits out without failing requests. */
export interface HealthChecks extends ReadinessChecks {
  kafka: CheckState;
}

/** Up only when every check is up. */
export function allUp(checks: ReadinessChecks | HealthChecks): boolean {
  return Object.values(checks).every((state) => state === 'up');
}

/** How long one dependency may take to answer before it counts as down. */
export const HEALTH_CHECK_TIMEOUT_MS = 2000;

/** Resolves with the promise, or rejects once `ms` pass. The timer never holds the process open. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Probes what a service needs (docs/architecture.md, "Public contract"): `SELECT 1`, `PING` and a
 * Kafka `describeCluster`, each within 2 s, in parallel. Readiness probes only PostgreSQL and Redis:
 * without Kafka the API still answers (events wait in the outbox), so a broker outage must not take
 * every pod out of its Service. It owns its Kafka admin client, created on first use and rebuilt
 * after a failure, so that health does not depend on the messaging library it reports on.
 */
@Injectable()
export class HealthChecker implements OnModuleDestroy {
  private admin?: Promise<Admin>;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
    private readonly registry: HealthDetailsRegistry,
  ) {}

  async check(): Promise<HealthChecks> {
    const [{ postgres, redis }, kafka] = await Promise.all([
      this.ready(),
      this.probe('kafka', () => this.describeKafka()),
    ]);
    return { postgres, redis, kafka };
  }

  async ready(): Promise<ReadinessChecks> {
    const [postgres, redis] = await Promise.all([
      this.probe('postgres', () => this.dataSource.query('SELECT 1')),
      this.probe('redis', () => this.redis.ping()),
    ]);
    return { postgres, redis };
  }

  /** The answers of the registered detail providers, by name; a failed one shows as unavailable. */
  async details(): Promise<Record<string, Record<string, unknown>>> {
    const answers = await Promise.all(
      this.registry.entries().map(async ([name, provide]) => {
        try {
          const detail = await withTimeout(Promise.resolve().then(provide), HEALTH_CHECK_TIMEOUT_MS, name);
          return [name, detail] as const;
        } catch {
          return [name, { ...HEALTH_DETAIL_UNAVAILABLE }] as const;
        }
      }),
    );
    return Object.fromEntries(answers);
  }

  async onModuleDestroy(): Promise<void> {
    await this.dropAdmin();
  }

  private async probe(what: string, run: () => Promise<unknown>): Promise<CheckState> {
    try {
      await withTimeout(run(), HEALTH_CHECK_TIMEOUT_MS, what);
      return 'up';
    } catch {
      return 'down';
    }
  }

  private async describeKafka(): Promise<void> {
    this.admin ??= this.connectAdmin();
    const admin = this.admin;
    try {
      await withTimeout(
        admin.then((client) => client.describeCluster()),
        HEALTH_CHECK_TIMEOUT_MS,
        'kafka',
      );
    } catch (error) {
      // A broker restart, or a connect that hangs, can leave a client that never recovers: start
      // afresh on the next probe.
      if (this.admin === admin) await this.dropAdmin();
      throw error;
    }
  }

  private async connectAdmin(): Promise<Admin> {
    const admin = new Kafka({
      clientId: 'remit-health',
      brokers: this.config.kafkaBrokers,
      logLevel: logLevel.NOTHING,
      connectionTimeout: 1000,
      requestTimeout: HEALTH_CHECK_TIMEOUT_MS,
      retry: { retries: 0 },
    }).admin();
    try {
      await admin.connect();
    } catch (error) {
      await admin.disconnect().catch(() => undefined);
      throw error;
    }
    return admin;
  }

  private async dropAdmin(): Promise<void> {
    const admin = this.admin;
    this.admin = undefined;
    if (!admin) return;
    await admin.then((client) => client.disconnect()).catch(() => undefined);
  }
}
