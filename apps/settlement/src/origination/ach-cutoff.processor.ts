import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { maintainJobSchedulers, REMIT_CONFIG, type RemitConfig } from '@remit/platform';
import {
  ACH_CUTOFF_QUEUE,
  ACH_CUTOFF_SCHEDULER,
  ACH_CUTOFF_TIME_ZONE,
  achCutoffPattern,
} from './ach-cutoff.queue';
import { AchOriginationService, type ClosedDay } from './ach-origination.service';

/** Thin adapter: at the ACH cutoff (one schedule for all replicas) the business day closes. */
@Processor(ACH_CUTOFF_QUEUE)
export class AchCutoffProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AchCutoffProcessor.name);
  private stopSchedulers = (): Promise<void> => Promise.resolve();

  constructor(
    private readonly origination: AchOriginationService,
    @InjectQueue(ACH_CUTOFF_QUEUE) private readonly queue: Queue,
    @Inject(REMIT_CONFIG) private readonly config: RemitConfig,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const schedulers = maintainJobSchedulers(
      this.queue,
      {
        [ACH_CUTOFF_SCHEDULER]: {
          pattern: achCutoffPattern(this.config.achCutoff),
          tz: ACH_CUTOFF_TIME_ZONE,
        },
      },
      this.logger,
    );
    this.stopSchedulers = schedulers.stop;
    await schedulers.ready;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSchedulers();
  }

  async process(_job: Job): Promise<{ closedDays: string[] }> {
    const closed: ClosedDay[] = await this.origination.closeAtCutoff();
    return { closedDays: closed.map((day) => day.businessDate) };
  }
}
