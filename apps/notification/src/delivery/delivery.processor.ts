import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { maintainJobSchedulers } from '@remit/platform';
import { DeliverNotificationService, type DeliveryOutcome } from './deliver-notification.service';
import {
  DELIVERY_CONCURRENCY,
  DELIVERY_QUEUE,
  DELIVERY_STALE_AFTER_MS,
  DELIVERY_SWEEP_EVERY_MS,
  DELIVERY_SWEEP_SCHEDULER,
  type DeliveryJob,
} from './delivery-queue';
import { DeliveryQueue } from './delivery-queue.service';

/**
 * Thin adapter: a delivery job delivers its notification; the sweep (every minute, one schedule for
 * all replicas) queues again the notifications whose job was lost, so none waits forever.
 */
@Processor(DELIVERY_QUEUE, { concurrency: DELIVERY_CONCURRENCY })
export class DeliveryProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private stopSchedulers = (): Promise<void> => Promise.resolve();

  constructor(
    private readonly deliveries: DeliverNotificationService,
    private readonly deliveryQueue: DeliveryQueue,
    @InjectQueue(DELIVERY_QUEUE) private readonly queue: Queue<DeliveryJob>,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const schedulers = maintainJobSchedulers(
      this.queue,
      { [DELIVERY_SWEEP_SCHEDULER]: { every: DELIVERY_SWEEP_EVERY_MS } },
      this.logger,
    );
    this.stopSchedulers = schedulers.stop;
    await schedulers.ready;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSchedulers();
  }

  async process(job: Job<DeliveryJob>): Promise<DeliveryOutcome | { requeued: number }> {
    if (job.name === DELIVERY_SWEEP_SCHEDULER) return this.sweep();
    return this.deliveries.deliver(job.data.notificationId);
  }

  /** Queues again every pending or failed notification untouched for `staleMs`. */
  async sweep(staleMs = DELIVERY_STALE_AFTER_MS): Promise<{ requeued: number }> {
    const stale = await this.deliveries.stale(staleMs);
    for (const row of stale) await this.deliveryQueue.requeue(row.notificationId, row.channel);
    if (stale.length > 0) this.logger.warn(`sweep queued ${stale.length} notification(s) again`);
    return { requeued: stale.length };
  }
}
