// The machine's Redis (started if it is down, never stopped).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

import { InfraError, LOCAL_HOSTS, lib, logger, pollUntil, tcpOpen, urlHostPort } from './common.mjs';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';

export const redisUrlFromEnv = () => process.env.REDIS_URL || DEFAULT_REDIS_URL;

export const redisHostPort = (url) => urlHostPort(url, 6379);

export async function redisAnswers(url) {
  const { Redis } = await lib('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** PINGs Redis (REDIS_URL); starts the machine's redis-server if it is down. */
export async function ensureRedis({ url = redisUrlFromEnv(), quiet = false } = {}) {
  const log = logger(quiet);
  if (await redisAnswers(url)) return { started: false };
  const { host, port } = redisHostPort(url);
  if (!LOCAL_HOSTS.has(host))
    throw new InfraError(`Redis on ${host}:${port} is down and not on this machine`);
  if (await tcpOpen(host, port))
    throw new InfraError(`something listens on ${host}:${port} but does not answer PING (password?)`);
  log(`  redis: down; starting redis-server on port ${port}`);
  for (const dir of ['/var/lib/redis', '/var/log/redis']) fs.mkdirSync(dir, { recursive: true });
  const result = spawnSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '-::1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      '/var/lib/redis',
      '--logfile',
      '/var/log/redis/ci.log',
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new InfraError(
      `redis-server failed to start (${result.error?.message ?? result.status}): ${result.stderr}${result.stdout}`,
    );
  }
  if (await pollUntil(() => redisAnswers(url), { timeoutMs: 20_000, intervalMs: 300 }))
    return { started: true };
  throw new InfraError(`Redis did not answer on ${host}:${port} within 20 s (see /var/log/redis/ci.log)`);
}
