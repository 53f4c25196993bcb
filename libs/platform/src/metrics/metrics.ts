import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { withinMs } from '@remit/messaging';
import type { HealthDetailsRegistry } from '../health/health-details';

/** How often the event-loop lag metric samples, in ms (prom-client's default is 10). */
export const EVENT_LOOP_MONITORING_PRECISION_MS = 100;

/** A detail field worth a gauge: a finite number (counts, ages), never text. */
function numericFields(detail: Record<string, unknown>): [string, number][] {
  return Object.entries(detail).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
  );
}

/**
 * What a scrape-time collector reads: each reader's answer, all read at once, or undefined for a
 * reader that failed or took longer than `ms` — one slow source never holds the whole scrape.
 */
export function readEachWithin<K, T>(
  readers: Iterable<readonly [K, () => T | Promise<T>]>,
  ms: number,
): Promise<[K, T | undefined][]> {
  return Promise.all(
    [...readers].map(async ([key, read]): Promise<[K, T | undefined]> => [
      key,
      await withinMs(Promise.resolve().then(read), ms),
    ]),
  );
}

/** The longest a scrape waits for one `/health` detail before leaving it out. */
export const HEALTH_DETAIL_SCRAPE_TIMEOUT_MS = 500;

/**
 * The Prometheus registry of one service: the process's default metrics (CPU, memory, event loop
 * lag, GC) and every numeric field of its `/health` details as `remit_health_detail{detail,field}`
 * — the outbox's `unsent`, `parked` and `oldestUnsentAgeSeconds`, say. One registry per service, not
 * prom-client's global one, so several services can live in one process (as in the e2e tests).
 * The rest registers itself here: `HttpMetrics`, `QueueMetricsRegistry` and messaging's
 * `MessagingMetrics` (docs/operations.md lists every metric). A scrape never fails because of one
 * collector: a detail that fails or takes longer than 500 ms is absent from that scrape.
 */
export function createMetricsRegistry(service: string, details: HealthDetailsRegistry): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  // The event-loop lag histogram samples with a timer: every 10 ms by default, ≈ 0.3 % of a core
  // in an idle service (docs/performance.md); every 100 ms still shows any lag worth an alert.
  collectDefaultMetrics({
    register: registry,
    eventLoopMonitoringPrecision: EVENT_LOOP_MONITORING_PRECISION_MS,
  });
  new Gauge({
    name: 'remit_health_detail',
    help: 'Numeric fields of the GET /health details (e.g. the outbox backlog)',
    labelNames: ['detail', 'field'],
    registers: [registry],
    async collect() {
      const answers = await readEachWithin(details.entries(), HEALTH_DETAIL_SCRAPE_TIMEOUT_MS);
      this.reset();
      for (const [name, detail] of answers) {
        // A detail that cannot be read now is simply absent from this scrape; /health says why.
        if (!detail) continue;
        for (const [field, value] of numericFields(detail)) this.set({ detail: name, field }, value);
      }
    },
  });
  return registry;
}
