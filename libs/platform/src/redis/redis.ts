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

/** The longest pause between two reconnection attempts of the shared connection. */
export const REDIS_MAX_RECONNECT_DELAY_MS = 2000;

/**
 * ioredis's `retryStrategy` for the shared connection: reconnect forever, backing off to 2 s, so
 * that a restarted Redis is found again within seconds without anyone restarting the service.
 */
export function redisReconnectDelay(attempt: number): number {
  return Math.min(attempt * 100, REDIS_MAX_RECONNECT_DELAY_MS);
}

/**
 * ioredis's `reconnectOnError`: after a managed Redis fails over, the old primary answers writes
 * with READONLY; reconnecting (and resending the command) reaches the new primary.
 */
export function reconnectOnReadOnly(error: Error): boolean {
  return error.message.startsWith('READONLY');
}

/**
 * Options of the shared `REDIS` connection. It fails fast while Redis is down, so that a request
 * answers 503 with `Retry-After` at once (libs/platform/src/errors/infrastructure-error.ts) rather
 * than hanging: no offline queue (a command sent while disconnected is refused immediately), a
 * command in flight when the connection drops is retried on one reconnection only, and no command
 * waits more than 5 s. Reconnection itself never stops (`redisReconnectDelay`). Blocking commands
 * (BLPOP, XREAD BLOCK) need a connection of their own; BullMQ has its own (`bullConnectionOptions`).
 */
export function sharedRedisOptions(
  config: Pick<RemitConfig, 'redisUrl'>,
  connectionName: string,
): RedisOptions {
  return {
    ...redisConnectionOptions(config.redisUrl),
    connectionName,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    commandTimeout: 5000,
    // TCP keep-alive finds a connection that died silently (a failover, a dropped NAT entry).
    keepAlive: 10_000,
    retryStrategy: redisReconnectDelay,
    reconnectOnError: reconnectOnReadOnly,
  };
}

/** The connection events `untilFirstConnectAttempt` listens to (an ioredis client has them). */
export interface ConnectionEvents {
  status: string;
  once(event: 'ready' | 'error', listener: () => void): unknown;
  off(event: 'ready' | 'error', listener: () => void): unknown;
}

/**
 * Resolves when the first connection attempt of a client has ended, ready or failed, or after
 * `timeoutMs`. Without an offline queue, a command sent before the client is ready is refused, so
 * a service waits for this before it starts; when Redis is down it starts anyway (and reports it
 * through `/health/ready`) instead of waiting for it.
 */
export function untilFirstConnectAttempt(client: ConnectionEvents, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      client.off('ready', done);
      client.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    timer.unref();
    client.once('ready', done);
    client.once('error', done);
  });
}
