import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { HealthDetailsRegistry } from '../health/health-details';

/** A detail field worth a gauge: a finite number (counts, ages), never text. */
function numericFields(detail: Record<string, unknown>): [string, number][] {
  return Object.entries(detail).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
  );
}

/**
 * The Prometheus registry of one service: the process's default metrics (CPU, memory, event loop
 * lag, GC) and every numeric field of its `/health` details as `remit_health_detail{detail,field}`
 * — the outbox's `unsent`, `parked` and `oldestUnsentAgeSeconds`, say. One registry per service, not
 * prom-client's global one, so several services can live in one process (as in the e2e tests).
 */
export function createMetricsRegistry(service: string, details: HealthDetailsRegistry): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'remit_health_detail',
    help: 'Numeric fields of the GET /health details (e.g. the outbox backlog)',
    labelNames: ['detail', 'field'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const [name, provider] of details.entries()) {
        try {
          for (const [field, value] of numericFields(await provider()))
            this.set({ detail: name, field }, value);
        } catch {
          // A detail that cannot be read now is simply absent from this scrape; /health says why.
        }
      }
    },
  });
  return registry;
}
