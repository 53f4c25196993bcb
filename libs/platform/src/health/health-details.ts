import { Injectable } from '@nestjs/common';

/** A named piece of detail for `GET /health`: a small JSON object, such as `{ oldestUnsentAgeSeconds: 3 }`. */
export type HealthDetailProvider = () => Promise<Record<string, unknown>> | Record<string, unknown>;

/** What `GET /health` shows of a provider that failed or did not answer in time (never its error text). */
export const HEALTH_DETAIL_UNAVAILABLE = { error: 'unavailable' } as const;

/**
 * The extension point of `GET /health`: a module of a service registers a provider under a name, and
 * the report's `details` carries its answer under that name. Details inform operators; they never
 * change the status (200/503) of `/health`, `/health/live` or `/health/ready`, which stay about
 * reachability. Each provider runs with the health probe's timeout.
 *
 * ```ts
 * @Injectable()
 * export class OutboxHealth implements OnModuleInit {
 *   constructor(@Inject(HEALTH_DETAILS) private readonly details: HealthDetailsRegistry, private readonly outbox: OutboxStats) {}
 *   onModuleInit(): void {
 *     this.details.register('outbox', async () => ({ oldestUnsentAgeSeconds: await this.outbox.oldestUnsentAgeSeconds() }));
 *   }
 * }
 * ```
 */
@Injectable()
export class HealthDetailsRegistry {
  private readonly providers = new Map<string, HealthDetailProvider>();

  /** Adds `provider` under `name`; a name is registered once (a second registration is a programming error). */
  register(name: string, provider: HealthDetailProvider): void {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(name))
      throw new Error(`health detail name "${name}" is not an identifier`);
    if (this.providers.has(name)) throw new Error(`health detail "${name}" is already registered`);
    this.providers.set(name, provider);
  }

  /** The registered providers, in registration order. */
  entries(): [string, HealthDetailProvider][] {
    return [...this.providers.entries()];
  }
}

/** Nest injection token of the service's `HealthDetailsRegistry` (the class itself works as a token too). */
export const HEALTH_DETAILS = Symbol('HEALTH_DETAILS');
