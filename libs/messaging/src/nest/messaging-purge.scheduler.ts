import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import { DataSource } from 'typeorm';
import { describeError } from '../logger';
import {
  purgeMessagingTables,
  validatePurgeOptions,
  type MessagingPurgeOptions,
  type MessagingPurgeResult,
} from '../messaging-purge';
import { OutboxEventEntity } from '../outbox-event.entity';
import { nestMessagingLogger } from './nest-logger';
import { MESSAGING_OPTIONS } from './tokens';

/** The job scheduler's id in its queue: upserting it again (every start, every replica) changes nothing. */
export const PURGE_JOB_SCHEDULER_ID = 'messaging-purge';

/** Daily, at a quiet hour for US business (03:30 America/New_York). */
export const DEFAULT_PURGE_REPEAT = { pattern: '30 3 * * *', tz: 'America/New_York' } as const;

export interface MessagingPurgeScheduleOptions extends MessagingPurgeOptions {
  /** BullMQ's Redis connection: `bullConnectionOptions(config)` of @remit/platform. */
  connection: ConnectionOptions;
  /** BullMQ key prefix; the apps use 'remit'. */
  prefix?: string;
  /** When the purge runs: a cron pattern (default `DEFAULT_PURGE_REPEAT`) or an interval in ms. */
  repeat?: { pattern: string; tz?: string } | { every: number };
}

/**
 * The queue of a service's purge: one per schema, since the services share one Redis and a worker
 * only purges its own schema.
 */
export function purgeQueueName(dataSource: DataSource): string {
  return `messaging-purge-${dataSource.getMetadata(OutboxEventEntity).schema ?? 'public'}`;
}

/** How often the job scheduler is written again (see `onApplicationBootstrap`). */
const SCHEDULER_REFRESH_MS = 60_000;

interface PurgeHolder {
  purge?: MessagingPurgeScheduleOptions;
  /** `MessagingModuleOptions.metrics`: the purge queue's job counts are reported there. */
  metrics?: { registerQueue?(queue: Queue): void };
}

/**
 * Runs `purgeMessagingTables` from a BullMQ job scheduler (`messaging-purge`, daily by default) when
 * `MessagingModuleOptions.purge` is set. Whichever replica's worker takes the day's job runs it.
 */
@Injectable()
export class MessagingPurgeScheduler implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = nestMessagingLogger(MessagingPurgeScheduler.name);
  private queue?: Queue;
  private worker?: Worker<unknown, MessagingPurgeResult>;
  private refresh?: NodeJS.Timeout;

  constructor(
    @Inject(MESSAGING_OPTIONS) private readonly options: PurgeHolder,
    private readonly dataSource: DataSource,
  ) {
    if (options.purge) validatePurgeOptions(options.purge);
  }

  /** The queue, once started: for tests and tools. */
  get purgeQueue(): Queue | undefined {
    return this.queue;
  }

  onApplicationBootstrap(): void {
    const purge = this.options.purge;
    if (!purge) return;
    const name = purgeQueueName(this.dataSource);
    const connection = { connection: purge.connection, ...(purge.prefix ? { prefix: purge.prefix } : {}) };
    this.queue = new Queue(name, connection);
    this.worker = new Worker<unknown, MessagingPurgeResult>(
      name,
      async () => {
        const result = await purgeMessagingTables(this.dataSource, purge);
        this.logger.info({ queue: name, ...result }, 'messaging tables purged');
        return result;
      },
      { ...connection, concurrency: 1 },
    );
    this.worker.on('failed', (_job, error) => {
      this.logger.error({ queue: name, ...describeError(error) }, 'messaging purge failed');
    });
    // Without a listener an unreachable Redis would surface as an unhandled 'error' event.
    this.worker.on('error', (error) => {
      this.logger.warn({ queue: name, ...describeError(error) }, 'messaging purge worker error');
    });
    this.queue.on('error', (error) => {
      this.logger.warn({ queue: name, ...describeError(error) }, 'messaging purge queue error');
    });
    this.options.metrics?.registerQueue?.(this.queue);
    // In the background: a daily chore must neither delay the start nor fail it while Redis is down.
    // Written again every minute: a job scheduler lives only in Redis, and a Redis restarted empty
    // would otherwise lose it until the next deploy (an unchanged upsert changes nothing).
    const queue = this.queue;
    const upsert = (): void => {
      queue
        .upsertJobScheduler(PURGE_JOB_SCHEDULER_ID, purge.repeat ?? DEFAULT_PURGE_REPEAT, {
          name: 'purge',
          opts: { removeOnComplete: 30, removeOnFail: 100 },
        })
        .catch((error: unknown) => {
          this.logger.error(
            { queue: name, ...describeError(error) },
            'could not register the messaging purge scheduler',
          );
        });
    };
    upsert();
    this.refresh = setInterval(upsert, SCHEDULER_REFRESH_MS);
    this.refresh.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.refresh);
    const worker = this.worker;
    const queue = this.queue;
    this.worker = undefined;
    this.queue = undefined;
    await worker?.close();
    await queue?.close();
  }
}
