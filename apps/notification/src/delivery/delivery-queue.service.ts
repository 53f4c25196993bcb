import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { EntityManager, QueryRunner } from 'typeorm';
import { afterCommit } from '@remit/persistence';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import type { NotificationChannel } from '../notifications/notification.entity';
import { attemptsWithin, DELIVERY_QUEUE, deliveryJobOptions, type DeliveryJob } from './delivery-queue';

/** A notification whose delivery job is to be queued. */
export interface QueuedNotification {
  notificationId: string;
  channel: NotificationChannel;
}

/** Queues delivery jobs: one per notification, with the retries of its channel. */
@Injectable()
export class DeliveryQueue {
  private readonly logger = new Logger(DeliveryQueue.name);
  /** Notifications recorded in a transaction, by its query runner, waiting for its commit. */
  private readonly waitingForCommit = new WeakMap<QueryRunner, QueuedNotification[]>();

  constructor(
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue<DeliveryJob>,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {}

  /** Sends of one notification before it is `dead`: NOTIFICATION_EMAIL_ATTEMPTS, or what fits the webhook window. */
  maxAttempts(channel: NotificationChannel): number {
    const { emailAttempts, retryBaseMs, webhookRetryWindowMs } = this.config.notification;
    return channel === 'email' ? emailAttempts : attemptsWithin(webhookRetryWindowMs, retryBaseMs);
  }

  /** Adds the job; a job of that id already queued makes this a no-op (BullMQ job ids are unique). */
  async enqueue(notificationId: string, channel: NotificationChannel): Promise<void> {
    await this.queue.add(
      'deliver',
      { notificationId },
      deliveryJobOptions(notificationId, this.maxAttempts(channel), this.config.notification.retryBaseMs),
    );
  }

  /**
   * Queues the jobs once the notification rows have committed, so a job never runs for a row that
   * does not exist. All the notifications recorded in one transaction (a consumer applies up to a
   * hundred events in one) go to Redis in one `addBulk` round trip. If Redis refuses them, the sweep
   * (DeliveryProcessor) queues them later.
   */
  enqueueAfterCommit(manager: EntityManager, notifications: QueuedNotification[]): void {
    const queryRunner = manager.queryRunner;
    if (!queryRunner) throw new Error('enqueueAfterCommit needs the EntityManager of an open transaction');
    let waiting = this.waitingForCommit.get(queryRunner);
    if (!waiting) {
      waiting = [];
      this.waitingForCommit.set(queryRunner, waiting);
    }
    waiting.push(...notifications);
    // One hook per call: the first to run after the commit takes every row waiting, the others find
    // none. (A rollback drops the hooks; rows left in a rolled-back list are queued by the next
    // commit on that query runner, if any, and their jobs find no row to deliver.)
    afterCommit(
      manager,
      () => {
        const jobs = waiting.splice(0);
        return jobs.length > 0 ? this.enqueueAll(jobs) : undefined;
      },
      (error) =>
        this.logger.warn(
          `${notifications.length} notification(s): delivery jobs not queued (${error instanceof Error ? error.message : String(error)}); the sweep will queue them`,
        ),
    );
  }

  /** Adds the jobs in one round trip; a job of an id already queued is left as it is. */
  private async enqueueAll(notifications: QueuedNotification[]): Promise<void> {
    const { retryBaseMs } = this.config.notification;
    await this.queue.addBulk(
      notifications.map(({ notificationId, channel }) => ({
        name: 'deliver',
        data: { notificationId },
        opts: deliveryJobOptions(notificationId, this.maxAttempts(channel), retryBaseMs),
      })),
    );
  }

  /** Queues again a notification whose job is gone (Redis lost it) or failed for good while the row still waits. */
  async requeue(notificationId: string, channel: NotificationChannel): Promise<void> {
    const job = await this.queue.getJob(notificationId);
    if (job) {
      const state = await job.getState();
      // A finished job of that id would make `add` a no-op; a waiting or delayed one is left alone.
      if (state === 'failed' || state === 'completed') await job.remove();
    }
    await this.enqueue(notificationId, channel);
  }
}
