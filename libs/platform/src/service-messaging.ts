import type { DynamicModule } from '@nestjs/common';
import { MessagingModule, type MessagingModuleOptions } from '@remit/messaging';
import { REMIT_CONFIG, type RemitConfig } from './config/remit-config';
import type { Registry } from 'prom-client';
import { HEALTH_DETAILS, type HealthDetailsRegistry } from './health/health-details';
import { METRICS_REGISTRY } from './metrics/metrics.controller';
import { QueueMetricsRegistry } from './metrics/queue-metrics';
import { bullConnectionOptions } from './redis/redis';
import type { ServiceName } from './tokens';

/**
 * The messaging every Remit service runs, configured the same way for all four: events published as
 * `remit/<service>`, consumer groups and client id under the environment's prefix
 * (KAFKA_GROUP_PREFIX), the daily purge of old outbox and inbox rows, the outbox backlog in
 * `GET /health`, and the consumer, outbox and purge-queue metrics in `GET /metrics`. `relay` tunes the
 * service's outbox relay (`lingerMs` for events nobody waits on).
 */
export function serviceMessagingModule(
  service: ServiceName,
  relay: Pick<NonNullable<MessagingModuleOptions['relay']>, 'lingerMs'> = {},
): DynamicModule {
  return MessagingModule.forRootAsync({
    inject: [REMIT_CONFIG, HEALTH_DETAILS, METRICS_REGISTRY, QueueMetricsRegistry],
    useFactory: (
      config: RemitConfig,
      health: HealthDetailsRegistry,
      registry: Registry,
      queues: QueueMetricsRegistry,
    ): MessagingModuleOptions => ({
      source: `remit/${service}`,
      clientId: `remit-${service}`,
      brokers: config.kafkaBrokers,
      groupPrefix: config.kafkaGroupPrefix,
      purge: { connection: bullConnectionOptions(config), prefix: 'remit' },
      relay,
      healthDetails: health,
      metrics: { registry, registerQueue: (queue) => queues.register(queue) },
    }),
  });
}
