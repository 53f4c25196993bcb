import { Registry } from 'prom-client';
import { QUEUE_JOB_STATES, QueueMetricsRegistry, type JobCountsSource } from './queue-metrics';

function queue(name: string, getJobCounts: JobCountsSource['getJobCounts']): JobCountsSource {
  return { name, getJobCounts };
}

const counts = (base: number) => () =>
  Promise.resolve(Object.fromEntries(QUEUE_JOB_STATES.map((state, index) => [state, base + index])));

async function jobLines(registry: Registry): Promise<string[]> {
  return (await registry.metrics()).split('\n').filter((line) => line.startsWith('remit_queue_jobs{'));
}

describe(QueueMetricsRegistry.name, () => {
  it('reports the job counts of every registered queue by state, read at scrape time', async () => {
    const registry = new Registry();
    const queues = new QueueMetricsRegistry(registry);
    const postings = jest.fn(counts(0));
    queues.register(queue('settlement-posting', postings));
    queues.register(queue('settlement-card', counts(10)));
    expect(postings).not.toHaveBeenCalled();

    const lines = await jobLines(registry);
    expect(lines).toHaveLength(2 * QUEUE_JOB_STATES.length);
    expect(lines).toEqual(
      expect.arrayContaining([
        'remit_queue_jobs{queue="settlement-posting",state="waiting"} 0',
        'remit_queue_jobs{queue="settlement-posting",state="completed"} 5',
        'remit_queue_jobs{queue="settlement-card",state="active"} 12',
      ]),
    );
    expect(postings).toHaveBeenCalledWith(...QUEUE_JOB_STATES);
  });

  it('keeps the first queue of a name (found by discovery and registered again)', () => {
    const queues = new QueueMetricsRegistry(new Registry());
    const first = queue('invoice-return-fee', counts(0));
    queues.register(first);
    queues.register(queue('invoice-return-fee', counts(5)));
    expect(queues.names()).toEqual(['invoice-return-fee']);
  });

  it.each([
    ['rejects', () => Promise.reject(new Error('ECONNREFUSED'))],
    [
      'throws',
      (): Promise<Record<string, number>> => {
        throw new Error('Connection is closed');
      },
    ],
    ['does not answer in time', () => new Promise<Record<string, number>>(() => undefined)],
  ])('leaves out a queue whose count %s, and still reports the others', async (_case, failing) => {
    const registry = new Registry();
    const queues = new QueueMetricsRegistry(registry);
    queues.register(queue('broken', failing));
    queues.register(queue('healthy', counts(1)));
    const lines = await jobLines(registry);
    expect(lines).toHaveLength(QUEUE_JOB_STATES.length);
    expect(lines.every((line) => line.includes('queue="healthy"'))).toBe(true);
  });
});
