import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import { isBusinessDay, localDateTimeOf } from '@remit/calendar';
import { Clock, maintainJobSchedulers } from '@remit/platform';
import { AUTOPAY_RUN_SCHEDULE } from './autopay-dates';
import { AutopayRunService, type AutopayRunResult } from './autopay-run.service';
import {
  AUTOPAY_QUEUE,
  AutopayReturnsService,
  REPRESENT_JOB,
  type RepresentJobData,
} from './autopay-returns.service';

/** The daily run's job scheduler: weekdays 06:00 America/New_York; the job skips Fed holidays. */
export const AUTOPAY_RUN_JOB = 'autopay-run';
export const AUTOPAY_SCHEDULES = { [AUTOPAY_RUN_JOB]: AUTOPAY_RUN_SCHEDULE };

/** Thin adapter: the daily run and the delayed re-presentments each call one use case. */
@Processor(AUTOPAY_QUEUE)
export class AutopayProcessor extends WorkerHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AutopayProcessor.name);
  private stopSchedulers = (): Promise<void> => Promise.resolve();

  constructor(
    private readonly runs: AutopayRunService,
    private readonly returns: AutopayReturnsService,
    private readonly clock: Clock,
    @InjectQueue(AUTOPAY_QUEUE) private readonly queue: Queue,
  ) {
    super();
  }

  async onApplicationBootstrap(): Promise<void> {
    const schedulers = maintainJobSchedulers(this.queue, AUTOPAY_SCHEDULES, this.logger);
    this.stopSchedulers = schedulers.stop;
    await schedulers.ready;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stopSchedulers();
  }

  async process(
    job: Job,
  ): Promise<AutopayRunResult | { skipped: string } | { paymentId?: string; skipped?: string }> {
    switch (job.name) {
      case AUTOPAY_RUN_JOB: {
        const runDate = localDateTimeOf(await this.clock.now()).date;
        if (!isBusinessDay(runDate)) {
          this.logger.log(`no autopay run on ${runDate}: not a business day`);
          return { skipped: `${runDate} is not a business day` };
        }
        return this.runs.run(runDate);
      }
      case REPRESENT_JOB:
        return this.returns.represent(job.data as RepresentJobData);
      default:
        throw new Error(`unknown autopay job ${job.name}`);
    }
  }
}
