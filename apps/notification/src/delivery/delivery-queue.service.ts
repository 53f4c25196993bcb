import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import type { NotificationChannel } from '../notifications/notification.entity';
import {
  attemptsWithin,
  DELIVERY_QUEUE,
  deliveryJobOptions,
  retryJobOptions,
  type DeliveryJob,
} from './delivery-queue';

/** A notification whose delivery job is to be queued. */
export interface QueuedNotification {
  notificationId: string;
  channel: NotificationChannel;
}

/**
 * Queues delivery jobs: one per notification, with the retries of its channel. A notification's first
 * attempt runs in-process (DeliveryDispatcher); a job retries it, or delivers one the dispatcher
 * could not take.
 */
@Injectable()
export class DeliveryQueue {
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

  /** Adds the jobs in one round trip; a job of an id already queued is left as it is. */
  async enqueueAll(notifications: QueuedNotification[]): Promise<void> {
    const { retryBaseMs } = this.config.notification;
    await this.queue.addBulk(
      notifications.map(({ notificationId, channel }) => ({
        name: 'deliver',
        data: { notificationId },
        opts: deliveryJobOptions(notificationId, this.maxAttempts(channel), retryBaseMs),
      })),
    );
  }

  /**
   * Queues the retries of a notification whose first `attemptsMade` attempts failed outside BullMQ
   * (DeliveryDispatcher), on the schedule a job from the start would have kept: the next attempt
   * after `base * 2^(attemptsMade - 1)`, each later one after twice the wait before it, up to the
   * channel's attempts in all.
   */
  async retryAfter(
    notificationId: string,
    channel: NotificationChannel,
    attemptsMade: number,
  ): Promise<void> {
    const { retryBaseMs } = this.config.notification;
    // A job of that id may have run already (the sweep queued the row while it waited here, and the
    // job found it leased): finished, it would make `add` a no-op and the retry would wait for the sweep.
    await this.removeFinished(notificationId);
    await this.queue.add(
      'deliver',
      { notificationId },
      retryJobOptions(notificationId, this.maxAttempts(channel), retryBaseMs, attemptsMade),
    );
  }

  /** Queues again a notification whose job is gone (Redis lost it) or failed for good while the row still waits. */
  async requeue(notificationId: string, channel: NotificationChannel): Promise<void> {
    await this.removeFinished(notificationId);
    await this.enqueue(notificationId, channel);
  }

  /** Removes a finished job of that id, which would make `add` a no-op; a waiting or delayed one stays. */
  private async removeFinished(notificationId: string): Promise<void> {
    const job = await this.queue.getJob(notificationId);
    if (!job) return;
    const state = await job.getState();
    if (state === 'failed' || state === 'completed') await job.remove();
  }
}
