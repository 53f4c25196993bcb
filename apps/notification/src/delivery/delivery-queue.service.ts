import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { EntityManager } from 'typeorm';
import { afterCommit } from '@remit/persistence';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import type { NotificationChannel } from '../notifications/notification.entity';
import { attemptsWithin, DELIVERY_QUEUE, deliveryJobOptions, type DeliveryJob } from './delivery-queue';

/** Queues delivery jobs: one per notification, with the retries of its channel. */
@Injectable()
export class DeliveryQueue {
  private readonly logger = new Logger(DeliveryQueue.name);

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
   * Queues the job once the notification row has committed, so a job never runs for a row that does
   * not exist. If Redis refuses it, the sweep (DeliveryProcessor) queues it later.
   */
  enqueueAfterCommit(manager: EntityManager, notificationId: string, channel: NotificationChannel): void {
    afterCommit(
      manager,
      () => this.enqueue(notificationId, channel),
      (error) =>
        this.logger.warn(
          `notification ${notificationId}: delivery job not queued (${error instanceof Error ? error.message : String(error)}); the sweep will queue it`,
        ),
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
