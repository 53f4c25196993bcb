import type { RedisOptions } from 'ioredis';
import type { RemitConfig } from '../config/remit-config';

/** Nest injection token of the service's shared ioredis connection (closed on shutdown). */
export const REDIS = Symbol('REDIS');

/** Host, port, db and credentials of a `redis://` / `rediss://` URL. */
export interface RedisConnectionOptions {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  tls?: Record<string, never>;
}

export function redisConnectionOptions(redisUrl: string): RedisConnectionOptions {
  const url = new URL(redisUrl);
  const db = Number(url.pathname.replace(/^\//, '') || 0);
  return {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1') || '127.0.0.1',
    port: Number(url.port || 6379),
    db: Number.isInteger(db) ? db : 0,
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    ...(url.protocol === 'rediss:' ? { tls: {} } : {}),
  };
}

/**
 * Connection options for BullMQ's own connections (`BullModule.forRootAsync`, `new Queue`, `new Worker`):
 * BullMQ requires `maxRetriesPerRequest: null` on them, unlike the shared `REDIS` connection.
 */
export function bullConnectionOptions(
  config: Pick<RemitConfig, 'redisUrl'>,
): RedisConnectionOptions & { maxRetriesPerRequest: null } {
  return { ...redisConnectionOptions(config.redisUrl), maxRetriesPerRequest: null };
}

/** Options of the shared `REDIS` connection: commands fail fast instead of queueing forever. */
export function sharedRedisOptions(
  config: Pick<RemitConfig, 'redisUrl'>,
  connectionName: string,
): RedisOptions {
  return {
    ...redisConnectionOptions(config.redisUrl),
    connectionName,
    maxRetriesPerRequest: 3,
    connectTimeout: 5000,
  };
}
