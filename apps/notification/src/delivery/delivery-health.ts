import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { HEALTH_DETAILS, type HealthDetailsRegistry } from '@remit/platform';
import { DeliveryDispatcher } from './delivery-dispatcher';

/** The `GET /health` detail (and `/metrics` gauges) of the delivery backlog. */
export const DELIVERY_HEALTH_DETAIL = 'deliveries';

export type DeliveryBacklog = {
  pending: number;
  failed: number;
  deadLastDay: number;
  oldestWaitingAgeSeconds: number;
  /** First attempts waiting in this process for a free delivery (ADR 0023), and under way. */
  firstAttemptsWaiting: number;
  firstAttemptsRunning: number;
};

/**
 * Notifications waiting (`pending`, `failed`), given up in the last 24 hours (`deadLastDay`), and
 * how long the oldest one has waited: what an operator watches to see that mail or webhooks stopped
 * going out. Both counts read partial indexes, never the whole log. The first attempts this process
 * holds in memory are counted among the pending ones too.
 */
@Injectable()
export class DeliveryHealth implements OnModuleInit {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(HEALTH_DETAILS) private readonly details: HealthDetailsRegistry,
    private readonly dispatcher: DeliveryDispatcher,
  ) {}

  onModuleInit(): void {
    this.details.register(DELIVERY_HEALTH_DETAIL, () => this.backlog());
  }

  async backlog(): Promise<DeliveryBacklog> {
    const [row] = await this.dataSource.query<
      { pending: number; failed: number; dead: number; oldest: number | null }[]
    >(
      `SELECT waiting.pending, waiting.failed, waiting.oldest,
              (SELECT count(*)::int FROM notification.notifications
                WHERE status = 'dead' AND updated_at > now() - interval '1 day') AS dead
         FROM (SELECT count(*) FILTER (WHERE status = 'pending')::int AS pending,
                      count(*) FILTER (WHERE status = 'failed')::int AS failed,
                      extract(epoch FROM now() - min(updated_at))::int AS oldest
                 FROM notification.notifications
                WHERE status IN ('pending', 'failed')) AS waiting`,
    );
    const { waiting, running } = this.dispatcher.backlog;
    return {
      pending: row?.pending ?? 0,
      failed: row?.failed ?? 0,
      deadLastDay: row?.dead ?? 0,
      oldestWaitingAgeSeconds: row?.oldest ?? 0,
      firstAttemptsWaiting: waiting,
      firstAttemptsRunning: running,
    };
  }
}
