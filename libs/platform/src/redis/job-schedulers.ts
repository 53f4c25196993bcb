import type { Queue, RepeatOptions } from 'bullmq';

/** How often the schedules are written again; an upsert of an unchanged schedule changes nothing. */
export const JOB_SCHEDULER_REFRESH_MS = 60_000;

export interface JobSchedulerLogger {
  log(message: string): void;
  warn(message: string): void;
}

/** When a scheduler repeats: `every` ms, or a cron `pattern` read in the time zone `tz`. */
export type JobSchedule = Pick<RepeatOptions, 'every' | 'pattern' | 'tz'>;

function describeSchedule(repeat: JobSchedule): string {
  if (repeat.pattern !== undefined) return `at "${repeat.pattern}"${repeat.tz ? ` ${repeat.tz}` : ''}`;
  return `every ${(repeat.every ?? 0) / 1000}s`;
}

/**
 * Keeps BullMQ job schedulers (one per name; `every` in ms, or a cron `pattern` and `tz`) in Redis
 * for as long as the service runs. They live only in Redis, so a Redis that restarts empty would lose them until the next deploy:
 * they are upserted at start and again every minute. A Redis outage only delays the next upsert.
 * Returns `ready` (the first write) and `stop`, which ends the refreshing and resolves once a write
 * already under way has finished, so nothing is written after it resolves.
 */
export function maintainJobSchedulers(
  queue: Queue,
  schedules: Record<string, JobSchedule>,
  logger: JobSchedulerLogger,
  refreshMs = JOB_SCHEDULER_REFRESH_MS,
): { ready: Promise<void>; stop: () => Promise<void> } {
  let present = false;
  let stopped = false;
  const upsertAll = async (): Promise<void> => {
    try {
      for (const [name, repeat] of Object.entries(schedules)) {
        if (stopped) return;
        await queue.upsertJobScheduler(name, repeat, {
          name,
          opts: { removeOnComplete: 100, removeOnFail: 100 },
        });
      }
      if (!present) {
        logger.log(
          `job schedulers of ${queue.name}: ${Object.entries(schedules)
            .map(([name, repeat]) => `${name} ${describeSchedule(repeat)}`)
            .join(', ')}`,
        );
      }
      present = true;
    } catch (error) {
      present = false;
      logger.warn(
        `job schedulers of ${queue.name} not written (${error instanceof Error ? error.message : String(error)}); retrying in ${refreshMs / 1000}s`,
      );
    }
  };
  let inFlight = upsertAll();
  const ready = inFlight;
  const timer = setInterval(() => {
    inFlight = upsertAll();
  }, refreshMs);
  timer.unref();
  return {
    ready,
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await inFlight;
    },
  };
}
