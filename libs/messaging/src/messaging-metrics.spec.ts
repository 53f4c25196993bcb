import { Registry } from 'prom-client';
import { MessagingMetrics, withinMs } from './messaging-metrics';
import type { OutboxBacklog } from './outbox-relay';

/** `name{labels} value` lines of the registry's exposition, without HELP/TYPE and histogram buckets. */
async function samples(registry: Registry): Promise<string[]> {
  const text = await registry.metrics();
  return text.split('\n').filter((line) => line !== '' && !line.startsWith('#') && !line.includes('_bucket'));
}

describe(MessagingMetrics.name, () => {
  const topic = 'settlement.payments.v1';

  it('records batch sizes, lag per partition and outcomes per consumer group', async () => {
    const registry = new Registry();
    const consumer = new MessagingMetrics(registry).forConsumer('invoice');
    consumer.batchFetched(topic, 2, 7, 10);
    consumer.batchFetched(topic, 2, 3, 3);
    consumer.lag(topic, 2, 0);
    consumer.batchFetched(topic, 4, 1, 5);
    consumer.outcome(topic, 'applied', 6);
    consumer.outcome(topic, 'duplicate', 1);
    consumer.outcome(topic, 'skipped', 0);
    consumer.outcome(topic, 'dead-lettered', 1);
    consumer.handlerFailed(topic, 'transient');
    consumer.handlerFailed(topic, 'poison');
    consumer.deadLettered(topic, 'refused');

    const lines = await samples(registry);
    const labels = `group="invoice",topic="${topic}"`;
    expect(lines).toEqual(
      expect.arrayContaining([
        `remit_consumer_batch_size_sum{${labels}} 11`,
        `remit_consumer_batch_size_count{${labels}} 3`,
        `remit_consumer_lag_messages{${labels},partition="2"} 0`,
        `remit_consumer_lag_messages{${labels},partition="4"} 5`,
        `remit_consumer_messages_total{${labels},outcome="applied"} 6`,
        `remit_consumer_messages_total{${labels},outcome="duplicate"} 1`,
        `remit_consumer_messages_total{${labels},outcome="dead_lettered"} 1`,
        `remit_consumer_handler_failures_total{${labels},kind="transient"} 1`,
        `remit_consumer_handler_failures_total{${labels},kind="poison"} 1`,
        `remit_consumer_dead_letters_total{${labels},reason="refused"} 1`,
      ]),
    );
    // A zero count adds no series.
    expect(lines.join('\n')).not.toContain('outcome="skipped"');
  });

  it('forgets the lag of partitions it reported on when its group rebalances, and only its own', async () => {
    const registry = new Registry();
    const metrics = new MessagingMetrics(registry);
    const invoice = metrics.forConsumer('invoice');
    const other = metrics.forConsumer('notification.settlement');
    invoice.batchFetched(topic, 1, 1, 9);
    other.batchFetched(topic, 1, 1, 4);
    invoice.rebalanced();
    invoice.batchFetched(topic, 3, 1, 2);

    const lags = (await samples(registry)).filter((line) => line.startsWith('remit_consumer_lag_messages'));
    expect(lags).toEqual([
      `remit_consumer_lag_messages{group="notification.settlement",topic="${topic}",partition="1"} 4`,
      `remit_consumer_lag_messages{group="invoice",topic="${topic}",partition="3"} 2`,
    ]);
  });

  it('counts published outbox rows', async () => {
    const registry = new Registry();
    const metrics = new MessagingMetrics(registry);
    metrics.outbox.published(3);
    metrics.outbox.published(0);
    metrics.outbox.published(2);
    expect(await samples(registry)).toContain('remit_outbox_published_total 5');
  });

  it('reads the outbox backlog once per scrape for its three gauges', async () => {
    const registry = new Registry();
    const metrics = new MessagingMetrics(registry);
    const read = jest.fn((): Promise<OutboxBacklog> =>
      Promise.resolve({ unsent: 4, parked: 1, oldestUnsentAgeMs: 2500 }),
    );
    metrics.observeOutboxBacklog(read);

    expect(await samples(registry)).toEqual(
      expect.arrayContaining([
        'remit_outbox_unsent 4',
        'remit_outbox_parked 1',
        'remit_outbox_oldest_unsent_age_seconds 2.5',
      ]),
    );
    expect(read).toHaveBeenCalledTimes(1);
    await registry.metrics();
    expect(read).toHaveBeenCalledTimes(2);
  });

  it.each([
    ['fails', () => Promise.reject(new Error('connection refused'))],
    ['does not answer in time', () => new Promise<OutboxBacklog>(() => undefined)],
  ])(
    'leaves the outbox gauges out of a scrape (rather than 0) when the backlog read %s',
    async (_case, read) => {
      const registry = new Registry();
      const metrics = new MessagingMetrics(registry);
      metrics.outbox.published(1);
      metrics.observeOutboxBacklog(read);

      const lines = await samples(registry);
      expect(lines).toEqual(['remit_outbox_published_total 1']);
    },
  );

  it('has no outbox gauge values before a backlog reader is set', async () => {
    const registry = new Registry();
    new MessagingMetrics(registry);
    expect(await samples(registry)).toEqual(['remit_outbox_published_total 0']);
  });
});

describe(withinMs.name, () => {
  it('resolves with the value, or undefined on a failure or when time runs out', async () => {
    await expect(withinMs(Promise.resolve(3), 1000)).resolves.toBe(3);
    await expect(withinMs(Promise.reject(new Error('no')), 1000)).resolves.toBeUndefined();
    await expect(withinMs(new Promise(() => undefined), 10)).resolves.toBeUndefined();
  });
});
