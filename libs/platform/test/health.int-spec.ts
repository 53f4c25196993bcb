import type { AddressInfo } from 'node:net';
import { Logger, type INestApplication } from '@nestjs/common';
import {
  bootstrapService,
  createTestingApp,
  HEALTH_DETAILS,
  loadConfig,
  type HealthDetailsRegistry,
} from '@remit/platform';
import { call, ensureProbeSchema, probeModule } from './support/probe-app';

describe('GET /health, /health/live, /health/ready', () => {
  const config = loadConfig();
  const apps: INestApplication[] = [];

  beforeAll(async () => {
    await ensureProbeSchema(config);
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
  });

  async function start(overrides: Partial<typeof config> = {}): Promise<string> {
    return (await startApp(overrides)).url;
  }

  async function startApp(overrides: Partial<typeof config> = {}) {
    const started = await createTestingApp(probeModule({ ...config, ...overrides }));
    apps.push(started.app);
    return started;
  }

  it('is 200 with every check up against the real PostgreSQL, Redis and Kafka, without a token', async () => {
    const url = await start();
    const reply = await call(url, 'GET', '/health');
    expect(reply).toMatchObject({
      status: 200,
      body: { status: 'ok', service: 'invoice', checks: { postgres: 'up', redis: 'up', kafka: 'up' } },
    });
    // The Kafka admin is reused between probes.
    expect((await call(url, 'GET', '/health')).status).toBe(200);
  });

  it('is 503 naming the dependency that is down, within the probe timeout', async () => {
    const url = await start({ kafkaBrokers: ['127.0.0.1:1'] });
    const started = Date.now();
    const reply = await call(url, 'GET', '/health');
    expect(Date.now() - started).toBeLessThan(5000);
    expect(reply).toMatchObject({
      status: 503,
      body: {
        status: 'unavailable',
        service: 'invoice',
        checks: { postgres: 'up', redis: 'up', kafka: 'down' },
      },
    });
  });

  it('answers liveness 200 without a token and without checking dependencies', async () => {
    const url = await start({ kafkaBrokers: ['127.0.0.1:1'] });
    const reply = await call(url, 'GET', '/health/live');
    expect(reply).toEqual(
      expect.objectContaining({ status: 200, body: { status: 'ok', service: 'invoice' } }),
    );
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('answers readiness 200 when PostgreSQL and Redis answer, even with Kafka down', async () => {
    const url = await start({ kafkaBrokers: ['127.0.0.1:1'] });
    const reply = await call(url, 'GET', '/health/ready');
    expect(reply).toMatchObject({
      status: 200,
      body: { status: 'ok', service: 'invoice', checks: { postgres: 'up', redis: 'up' } },
    });
    expect(reply.body.checks).not.toHaveProperty('kafka');
    expect(reply.headers.get('cache-control')).toBe('no-store');
  });

  it('shows what registered detail providers say, without changing the status', async () => {
    const { app, url } = await startApp();
    const details = app.get<HealthDetailsRegistry>(HEALTH_DETAILS);
    details.register('outbox', () => Promise.resolve({ oldestUnsentAgeSeconds: 7 }));
    details.register('broken', () => Promise.reject(new Error('password=hunter2')));
    const reply = await call(url, 'GET', '/health');
    expect(reply).toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        checks: { postgres: 'up', redis: 'up', kafka: 'up' },
        details: { outbox: { oldestUnsentAgeSeconds: 7 }, broken: { error: 'unavailable' } },
      },
    });
    expect(JSON.stringify(reply.body)).not.toContain('hunter2');
  });

  it('serves Prometheus metrics without a token: process metrics and numeric health details', async () => {
    const { app, url } = await startApp();
    const details = app.get<HealthDetailsRegistry>(HEALTH_DETAILS);
    details.register('outbox', () => ({ unsent: 3, oldestUnsentAgeSeconds: 42, note: 'text is skipped' }));
    details.register('broken', () => Promise.reject(new Error('password=hunter2')));
    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="[a-z-]+"\} \d/m);
    expect(text).toMatch(/^remit_health_detail\{detail="outbox",field="unsent",service="[a-z-]+"\} 3$/m);
    expect(text).toMatch(
      /^remit_health_detail\{detail="outbox",field="oldestUnsentAgeSeconds",service="[a-z-]+"\} 42$/m,
    );
    expect(text).not.toContain('note');
    expect(text).not.toContain('hunter2');
  });
});

describe('bootstrapService', () => {
  it('starts a service the way main.ts does, logging where it listens', async () => {
    const config = loadConfig();
    await ensureProbeSchema(config);
    const log = jest.spyOn(Logger.prototype, 'log');
    const app = await bootstrapService(probeModule(config), { service: 'invoice', port: 0 });
    try {
      const { port } = app.getHttpServer().address() as AddressInfo;
      expect(log).toHaveBeenCalledWith(`invoice listening on http://127.0.0.1:${port}`);
      const health = await call(`http://127.0.0.1:${port}`, 'GET', '/health');
      expect(health.status).toBe(200);
    } finally {
      log.mockRestore();
      await app.close();
    }
  });
});
