import { randomUUID } from 'node:crypto';
import { Topics } from '@remit/contracts';
import { waitFor } from '@remit/messaging';
import { RETURN_FEE_QUEUE } from '../src/fees/return-fee-queue';
import { InvoiceHarness, POLL } from './invoice-harness';

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** The samples of a Prometheus text exposition (no escaped quotes in Remit's label values). */
function parseSamples(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"/g))
      labels[key] = value;
    samples.push({ name: match[1], labels, value: Number(match[3]) });
  }
  return samples;
}

/** The value of the one sample with this name whose labels include `labels`; undefined if none. */
function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = samples.filter(
    (sample) =>
      sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
  );
  if (found.length > 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}

describe('invoice: GET /metrics (real PostgreSQL, Redis, Kafka)', () => {
  const harness = new InvoiceHarness();

  beforeAll(async () => {
    await harness.start();
    await harness.connectProducer();
  });

  afterAll(async () => {
    await harness.disconnectProducer();
    await harness.stop();
  });

  async function scrape(): Promise<{ text: string; samples: Sample[] }> {
    const response = await fetch(`${harness.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    return { text, samples: parseSamples(text) };
  }

  it('shows requests by route template, the consumer’s batches and lag, the outbox and the queues', async () => {
    const { customerId, accounts } = await harness.createCustomer();
    expect((await harness.call('GET', `/v1/customers/${customerId}`)).status).toBe(200);
    const unauthorized = await fetch(`${harness.url}/v1/customers/${customerId}`);
    expect(unauthorized.status).toBe(401);
    expect((await fetch(`${harness.url}/v1/no-such-route/${customerId}`)).status).toBe(404);
    const invoice = await harness.issueInvoice(accounts[0], 5000);
    const paymentId = randomUUID();
    await harness.publish(
      'payment.posted',
      customerId,
      harness.postedData(customerId, paymentId, 5000, [{ invoiceId: invoice.invoiceId }]),
    );
    await harness.journal(`payment:${paymentId}`);
    // The relay publishes what the customer and the payment wrote to the outbox.
    const { text, samples } = await waitFor(
      async () => {
        const scraped = await scrape();
        return (valueOf(scraped.samples, 'remit_outbox_published_total') ?? 0) > 0 ? scraped : undefined;
      },
      { ...POLL, what: 'published outbox rows in /metrics' },
    );

    const route = '/v1/customers/:customerId';
    const requests = (status: string): number | undefined =>
      valueOf(samples, 'remit_http_request_duration_seconds_count', {
        service: 'invoice',
        method: 'GET',
        route,
        status,
      });
    expect(requests('200')).toBeGreaterThanOrEqual(1);
    expect(requests('401')).toBeGreaterThanOrEqual(1);
    expect(
      valueOf(samples, 'remit_http_request_duration_seconds_bucket', {
        method: 'GET',
        route,
        status: '200',
        le: '+Inf',
      }),
    ).toBe(requests('200'));
    expect(
      valueOf(samples, 'remit_http_request_duration_seconds_count', {
        method: 'GET',
        route: 'unmatched',
        status: '404',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      valueOf(samples, 'remit_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/invoices',
      }),
    ).toBeGreaterThanOrEqual(1);
    // Ids never become labels; the scrape does not measure itself.
    expect(text).not.toContain(customerId);
    expect(text).not.toContain(paymentId);
    expect(text).not.toContain('route="/metrics"');

    const consumer = { group: 'invoice', topic: Topics.settlementPayments };
    expect(valueOf(samples, 'remit_consumer_batch_size_count', consumer)).toBeGreaterThanOrEqual(1);
    expect(valueOf(samples, 'remit_consumer_batch_size_sum', consumer)).toBeGreaterThanOrEqual(1);
    const lags = samples.filter(
      (sample) =>
        sample.name === 'remit_consumer_lag_messages' &&
        sample.labels.group === 'invoice' &&
        sample.labels.topic === Topics.settlementPayments,
    );
    expect(lags.length).toBeGreaterThanOrEqual(1);
    for (const lag of lags) {
      expect(lag.labels.partition).toMatch(/^\d+$/);
      expect(lag.value).toBeGreaterThanOrEqual(0);
    }
    expect(
      valueOf(samples, 'remit_consumer_messages_total', { ...consumer, outcome: 'applied' }),
    ).toBeGreaterThanOrEqual(1);

    for (const gauge of [
      'remit_outbox_unsent',
      'remit_outbox_parked',
      'remit_outbox_oldest_unsent_age_seconds',
    ]) {
      expect(valueOf(samples, gauge, { service: 'invoice' })).toBeGreaterThanOrEqual(0);
    }

    for (const queue of [RETURN_FEE_QUEUE, 'messaging-purge-invoice']) {
      for (const state of ['waiting', 'active', 'delayed', 'failed', 'completed']) {
        expect(valueOf(samples, 'remit_queue_jobs', { queue, state })).toBeGreaterThanOrEqual(0);
      }
    }
  });
});
