import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import IORedis from 'ioredis';
import { Client } from 'pg';
import { createTestingApp, DATABASE_SESSION_LIMITS, loadConfig } from '@remit/platform';
import {
  call,
  ensureProbeSchema,
  PROBE_ROWS,
  PROBE_SCHEMA,
  probeModule,
  SLOW_QUERY_MARK,
  waitFor,
  type Reply,
} from './support/probe-app';

/**
 * Outages answer 503 with Retry-After, never 500, and the shared PostgreSQL pool and Redis connection
 * come back by themselves (docs/architecture.md, "Error envelope"), against the real servers.
 */
describe('dependency outages', () => {
  const config = loadConfig();
  const apps: INestApplication[] = [];
  const admin = new Client({ connectionString: config.databaseUrl });
  let url: string;

  async function start(overrides: Partial<typeof config> = {}): Promise<string> {
    const started = await createTestingApp(probeModule({ ...config, ...overrides }));
    apps.push(started.app);
    return started.url;
  }

  function expectUnavailable(reply: Reply): void {
    expect(reply.status).toBe(503);
    expect(reply.body).toEqual({
      error: { code: 'SERVICE_UNAVAILABLE', message: expect.any(String), details: [] },
    });
    expect(Number(reply.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(reply.headers.get('retry-after'))).toBeLessThanOrEqual(5);
  }

  /** During a recovery a reply may be 503 (with Retry-After) or the answer; never a 500. */
  function expectServedOrUnavailable(reply: Reply): boolean {
    if (reply.status === 200) return true;
    expectUnavailable(reply);
    return false;
  }

  beforeAll(async () => {
    await ensureProbeSchema(config);
    await admin.connect();
    url = await start();
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    await admin.end();
  });

  describe('PostgreSQL', () => {
    it('runs every session with the lock and statement timeouts', async () => {
      const reply = await call(url, 'GET', '/v1/probe/db/session');
      expect(reply).toMatchObject({
        status: 200,
        body: {
          lockTimeout: `${DATABASE_SESSION_LIMITS.lockTimeoutMs / 1000}s`,
          statementTimeout: `${DATABASE_SESSION_LIMITS.statementTimeoutMs / 1000}s`,
        },
      });
    });

    it('answers a lock timeout with 503 and Retry-After, without the driver message', async () => {
      const id = `row-${randomUUID()}`;
      await admin.query(`INSERT INTO ${PROBE_ROWS} (id) VALUES ($1)`, [id]);
      const holder = new Client({ connectionString: config.databaseUrl });
      await holder.connect();
      try {
        await holder.query('BEGIN');
        await holder.query(`SELECT id FROM ${PROBE_ROWS} WHERE id = $1 FOR UPDATE`, [id]);
        const reply = await call(url, 'POST', `/v1/probe/db/rows/${id}/lock`);
        expectUnavailable(reply);
        expect(JSON.stringify(reply.body)).not.toMatch(/lock timeout|canceling|probe_rows/);
      } finally {
        await holder.query('ROLLBACK');
        await holder.end();
      }
      // Once the lock is released, the same request goes through.
      expect(await call(url, 'POST', `/v1/probe/db/rows/${id}/lock`)).toMatchObject({
        status: 200,
        body: { locked: 1 },
      });
    });

    it('answers a statement timeout with 503 and Retry-After', async () => {
      expectUnavailable(await call(url, 'GET', '/v1/probe/db/slow'));
    });

    it('answers 503 when its connection is terminated mid-query, and the pool recovers', async () => {
      const pending = call(url, 'GET', '/v1/probe/db/sleep');
      const pid = await waitFor('the probe query to run', async () => {
        const { rows } = await admin.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE application_name = $1 AND state = 'active' AND query LIKE $2 AND pid <> pg_backend_pid()`,
          [`remit-${PROBE_SCHEMA}`, `%${SLOW_QUERY_MARK}%`],
        );
        return rows[0]?.pid;
      });
      // What a restart of PostgreSQL does to every connection: 57P01 admin_shutdown.
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      expectUnavailable(await pending);

      // Then terminate every idle connection of the pool too, as a restart would.
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()',
        [`remit-${PROBE_SCHEMA}`],
      );
      await waitFor('the pool to serve again', async () =>
        expectServedOrUnavailable(await call(url, 'GET', '/v1/probe/db/ping')) ? true : undefined,
      );
    });
  });

  describe('Redis', () => {
    it('answers 503 with Retry-After at once while Redis is unreachable; liveness stays 200', async () => {
      const down = await start({ redisUrl: 'redis://127.0.0.1:1/1' });
      // The public probe route reads the shared test clock from Redis.
      expectUnavailable(await call(down, 'GET', '/v1/probe/now'));
      expect((await call(down, 'GET', '/health/live')).status).toBe(200);
      expect(await call(down, 'GET', '/health/ready')).toMatchObject({
        status: 503,
        body: { status: 'unavailable', checks: { postgres: 'up', redis: 'down' } },
      });
    });

    it('reconnects by itself after its connection is killed', async () => {
      expect((await call(url, 'GET', '/v1/probe/now')).status).toBe(200);
      const redis = new IORedis(config.redisUrl);
      // The service's own connections: its client name, on the test run's Redis database.
      const db = new URL(config.redisUrl).pathname.slice(1) || '0';
      try {
        const clients = String(await redis.client('LIST'))
          .split('\n')
          .filter((line) => line.includes(' name=remit-invoice ') && line.includes(` db=${db} `));
        expect(clients.length).toBeGreaterThan(0);
        for (const line of clients) await redis.client('KILL', 'ID', /\bid=(\d+)/.exec(line)?.[1] ?? '');
      } finally {
        await redis.quit();
      }
      await waitFor('Redis to serve again', async () =>
        expectServedOrUnavailable(await call(url, 'GET', '/v1/probe/now')) ? true : undefined,
      );
      expect((await call(url, 'GET', '/health/ready')).status).toBe(200);
    });
  });
});
