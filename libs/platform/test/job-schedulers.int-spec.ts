import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { bullConnectionOptions, loadConfig, maintainJobSchedulers } from '@remit/platform';

/** Job schedulers live only in Redis: a Redis that comes back empty gets them again. */
describe(maintainJobSchedulers.name, () => {
  const config = loadConfig();
  const queue = new Queue(`schedulers-${randomUUID().slice(0, 8)}`, {
    connection: bullConnectionOptions(config),
    prefix: 'remit-test',
  });
  const logger = { log: jest.fn(), warn: jest.fn() };

  afterAll(async () => {
    await queue.obliterate({ force: true });
    await queue.close();
  });

  async function schedulerOf(name: string, timeoutMs = 5_000): Promise<unknown> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const scheduler = await queue.getJobScheduler(name);
      if (scheduler || Date.now() > deadline) return scheduler;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('writes the schedules at start and writes them again after Redis lost them', async () => {
    const kept = maintainJobSchedulers(queue, { sweep: { every: 60_000 } }, logger, 200);
    try {
      await kept.ready;
      expect(await queue.getJobScheduler('sweep')).toMatchObject({ every: 60_000 });
      // What a Redis restarted empty looks like to this queue.
      // (The refresher may write it back at any moment from here on, so the removal is checked by its result.)
      expect(await queue.removeJobScheduler('sweep')).toBe(true);
      expect(await schedulerOf('sweep')).toMatchObject({ every: 60_000 });
      expect(logger.warn).not.toHaveBeenCalled();
    } finally {
      await kept.stop();
    }
  });

  it('stops writing once stopped', async () => {
    const kept = maintainJobSchedulers(queue, { purge: { every: 60_000 } }, logger, 100);
    await kept.ready;
    await kept.stop();
    await queue.removeJobScheduler('purge');
    expect(await schedulerOf('purge', 500)).toBeFalsy();
  });
});
