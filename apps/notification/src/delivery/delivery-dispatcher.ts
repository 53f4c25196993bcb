import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import type { EntityManager, QueryRunner } from 'typeorm';
import { withinMs } from '@remit/messaging';
import { afterCommit } from '@remit/persistence';
import { DeliverNotificationService, reasonOf, type AttemptResult } from './deliver-notification.service';
import { DELIVERY_CONCURRENCY } from './delivery-queue';
import { DeliveryQueue, type QueuedNotification } from './delivery-queue.service';

/** Notifications waiting in this process for a free delivery, at most; more are queued as BullMQ jobs. */
export const FIRST_ATTEMPTS_WAITING_MAX = 1_000;
/** How long a stopping service waits for the first attempts under way before it lets them go. */
export const FIRST_ATTEMPTS_DRAIN_MS = 10_000;

/**
 * Makes the first attempt of each newly recorded notification in this process, right after the
 * transaction that recorded it commits, `DELIVERY_CONCURRENCY` at a time; BullMQ only carries the
 * retries (ADR 0023). A BullMQ job per notification cost three Redis scripts and a worker round
 * before the first send, for every email, while almost every first attempt succeeds.
 *
 * Nothing is lost if this process stops: a notification is a `pending` row from its commit on, and a
 * notification still waiting here when the process dies is queued again by the sweep (stale rows).
 * A failed first attempt (counted on the row) is handed to a BullMQ job on the backoff schedule a job
 * from the start would have kept (`DeliveryQueue.retryAfter`); a notification the dispatcher cannot
 * take (more than `FIRST_ATTEMPTS_WAITING_MAX` waiting, or the service stopping), or whose attempt
 * could not even claim its row, becomes a job at once, as before. The lease on the row keeps a job and
 * an attempt here from both sending it.
 */
@Injectable()
export class DeliveryDispatcher implements BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryDispatcher.name);
  /** Notifications recorded in a transaction, by its query runner, waiting for its commit. */
  private readonly waitingForCommit = new WeakMap<QueryRunner, QueuedNotification[]>();
  /** Committed notifications waiting for a free delivery, oldest first. */
  private waiting: QueuedNotification[] = [];
  /** First attempts under way. */
  private readonly running = new Set<Promise<void>>();
  private stopping = false;

  constructor(
    private readonly deliveries: DeliverNotificationService,
    private readonly jobs: DeliveryQueue,
  ) {}

  /**
   * Delivers the notifications once the transaction of `manager` has committed, so a delivery never
   * looks for a row that does not exist. All the notifications recorded in one transaction are handed
   * over together. (A rollback drops the hook; rows left in a rolled-back list go with the next commit
   * on that query runner, if any, and their deliveries find no row to send.)
   */
  deliverAfterCommit(manager: EntityManager, notifications: QueuedNotification[]): void {
    const queryRunner = manager.queryRunner;
    if (!queryRunner) throw new Error('deliverAfterCommit needs the EntityManager of an open transaction');
    let waiting = this.waitingForCommit.get(queryRunner);
    if (!waiting) {
      waiting = [];
      this.waitingForCommit.set(queryRunner, waiting);
    }
    waiting.push(...notifications);
    // One hook per call: the first to run after the commit takes every row waiting, the others find none.
    afterCommit(
      manager,
      () => {
        const committed = waiting.splice(0);
        return committed.length > 0 ? this.dispatch(committed) : undefined;
      },
      (error) =>
        this.logger.warn(
          `${notifications.length} notification(s): not handed to delivery (${reasonOf(error)}); the sweep will queue them`,
        ),
    );
  }

  /**
   * Takes the notifications for a first attempt here, as far as there is room; queues the rest as
   * BullMQ jobs, which the returned promise waits for (it does not wait for the deliveries).
   */
  dispatch(notifications: QueuedNotification[]): Promise<void> {
    if (this.stopping) return this.jobs.enqueueAll(notifications);
    this.waiting.push(...notifications);
    this.startWaiting();
    const overflow = this.waiting.splice(FIRST_ATTEMPTS_WAITING_MAX);
    return overflow.length > 0 ? this.jobs.enqueueAll(overflow) : Promise.resolve();
  }

  /** First attempts waiting and under way in this process. */
  get backlog(): { waiting: number; running: number } {
    return { waiting: this.waiting.length, running: this.running.size };
  }

  /**
   * Stops taking notifications: those still waiting are queued as BullMQ jobs, and the attempts under
   * way get `FIRST_ATTEMPTS_DRAIN_MS` to finish (an attempt cut short keeps its lease and is sent
   * again by the sweep, with the same Message-ID or delivery id).
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    const left = this.waiting;
    this.waiting = [];
    if (left.length > 0) {
      await this.jobs.enqueueAll(left).then(
        () => this.logger.log(`stopping: ${left.length} notification(s) waiting queued as delivery jobs`),
        (error: unknown) =>
          this.logger.warn(
            `stopping: ${left.length} notification(s) waiting not queued (${reasonOf(error)}); the sweep will queue them`,
          ),
      );
    }
    await withinMs(Promise.all(this.running), FIRST_ATTEMPTS_DRAIN_MS);
    if (this.running.size > 0) {
      this.logger.warn(
        `stopping: ${this.running.size} delivery attempt(s) still under way; the sweep will retry them`,
      );
    }
  }

  private startWaiting(): void {
    while (this.running.size < DELIVERY_CONCURRENCY && this.waiting.length > 0) {
      const next = this.waiting.shift() as QueuedNotification;
      const run: Promise<void> = this.firstAttempt(next).finally(() => {
        this.running.delete(run);
        this.startWaiting();
      });
      this.running.add(run);
    }
  }

  /** Never rejects: what fails here ends as a BullMQ job or, failing that, a row the sweep finds. */
  private async firstAttempt({ notificationId, channel }: QueuedNotification): Promise<void> {
    let result: AttemptResult;
    try {
      result = await this.deliveries.attempt(notificationId);
    } catch (error) {
      // No attempt was made (the claim failed): a job from the start, as before the dispatcher.
      this.logger.warn(
        `${channel} ${notificationId}: first attempt not made (${reasonOf(error)}); queuing a delivery job`,
      );
      await this.jobs
        .enqueue(notificationId, channel)
        .catch((queueError: unknown) =>
          this.logger.warn(
            `${channel} ${notificationId}: delivery job not queued (${reasonOf(queueError)}); the sweep will queue it`,
          ),
        );
      return;
    }
    if (!('failedAttempt' in result)) return;
    await this.jobs
      .retryAfter(notificationId, channel, result.failedAttempt)
      .catch((queueError: unknown) =>
        this.logger.warn(
          `${channel} ${notificationId}: retry not queued (${reasonOf(queueError)}); the sweep will queue it`,
        ),
      );
  }
}
