import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { Queue } from 'bullmq';
import { Gauge, type Registry } from 'prom-client';
import { readEachWithin } from './metrics';

/** The job states reported per queue: what an operator needs to see a queue stall or fail. */
export const QUEUE_JOB_STATES = [
  'waiting',
  'prioritized',
  'active',
  'delayed',
  'failed',
  'completed',
] as const;
export type QueueJobState = (typeof QUEUE_JOB_STATES)[number];

/** The part of a BullMQ `Queue` the metrics read (a fake in unit tests). */
export interface JobCountsSource {
  readonly name: string;
  getJobCounts(...states: QueueJobState[]): Promise<Record<string, number>>;
}

/** The longest a scrape waits for one queue's counts (one Redis round trip) before leaving it out. */
export const QUEUE_COUNTS_SCRAPE_TIMEOUT_MS = 500;

/**
 * The BullMQ queues of a service, reported at scrape time as `remit_queue_jobs{queue,state}` from
 * `Queue.getJobCounts()`. A queue registers itself once (by name; registering a name again keeps
 * the first): the queues of `BullModule.registerQueue` are found by `QueueDiscovery`, others (such
 * as messaging's purge queue, through `MessagingModuleOptions.metrics`) call `register`. A queue
 * whose counts fail or are late (Redis down) is absent from that scrape; the others are not.
 */
export class QueueMetricsRegistry {
  private readonly queues = new Map<string, JobCountsSource>();

  constructor(registry: Registry) {
    const queues = this.queues;
    new Gauge({
      name: 'remit_queue_jobs',
      help: 'BullMQ jobs per queue and state (waiting, prioritized, active, delayed, failed, completed), read at scrape time',
      labelNames: ['queue', 'state'],
      registers: [registry],
      async collect() {
        const answers = await readEachWithin(
          [...queues.values()].map(
            (queue) => [queue.name, () => queue.getJobCounts(...QUEUE_JOB_STATES)] as const,
          ),
          QUEUE_COUNTS_SCRAPE_TIMEOUT_MS,
        );
        this.reset();
        for (const [queue, counts] of answers) {
          if (!counts) continue;
          for (const state of QUEUE_JOB_STATES) {
            const count = counts[state];
            if (typeof count === 'number' && Number.isFinite(count)) this.set({ queue, state }, count);
          }
        }
      },
    });
  }

  register(queue: JobCountsSource): void {
    if (!this.queues.has(queue.name)) this.queues.set(queue.name, queue);
  }

  /** The registered queue names, in registration order. */
  names(): string[] {
    return [...this.queues.keys()];
  }
}

/**
 * Registers every BullMQ `Queue` provider of the application (`BullModule.registerQueue` in the
 * service's module) with `QueueMetricsRegistry`, so that no service has to list its queues twice
 * and a new queue is measured from its first deploy.
 */
@Injectable()
export class QueueDiscovery implements OnApplicationBootstrap {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly queues: QueueMetricsRegistry,
  ) {}

  onApplicationBootstrap(): void {
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (instance instanceof Queue) this.queues.register(instance);
    }
  }
}
