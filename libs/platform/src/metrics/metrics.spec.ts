import { HealthDetailsRegistry } from '../health/health-details';
import { createMetricsRegistry } from './metrics';

describe(createMetricsRegistry.name, () => {
  it('serves the numeric health details, leaving out a detail that fails or does not answer in time', async () => {
    const details = new HealthDetailsRegistry();
    details.register('outbox', () => ({ unsent: 3, oldestUnsentAgeSeconds: 42, note: 'text is skipped' }));
    details.register('broken', () => Promise.reject(new Error('password=hunter2')));
    details.register('hanging', () => new Promise<Record<string, unknown>>(() => undefined));
    details.register('deliveries', () => ({ pending: 1 }));
    const registry = createMetricsRegistry('invoice', details);

    const lines = (await registry.metrics())
      .split('\n')
      .filter((line) => line.startsWith('remit_health_detail{'));
    expect(lines).toEqual([
      'remit_health_detail{detail="outbox",field="unsent",service="invoice"} 3',
      'remit_health_detail{detail="outbox",field="oldestUnsentAgeSeconds",service="invoice"} 42',
      'remit_health_detail{detail="deliveries",field="pending",service="invoice"} 1',
    ]);
  });
});
