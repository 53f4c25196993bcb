import type { RemitConfig } from './config';

export const REDIS = Symbol('REDIS');

/** BullMQ wants its own connections with maxRetriesPerRequest: null; this gives their options. */
export function bullConnectionOptions(config: RemitConfig): {
  host: string;
  port: number;
  db: number;
  username?: string;
  password?: string;
  maxRetriesPerRequest: null;
} {
  const url = new URL(config.redisUrl);
  return {
    host: url.hostname,
    port: Number(url.port || 6379),
    db: Number(url.pathname.replace('/', '') || 0),
    ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
    ...(url.password ? { password: decodeURIComponent(url.password) } : {}),
    maxRetriesPerRequest: null,
  };
}
