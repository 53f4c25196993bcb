import type { INestApplication } from '@nestjs/common';
import IORedis from 'ioredis';
import { Clock, createTestingApp, loadConfig, TEST_CLOCK_KEY } from '@remit/platform';
import { call, ensureProbeSchema, probeModule, tokens } from './support/probe-app';

/** The platform clock is shared by every service through Redis (docs/architecture.md, "Business-day rules"). */
describe('shared test clock', () => {
  const config = loadConfig();
  const token = tokens(config);
  const redis = new IORedis(config.redisUrl, { lazyConnect: true });
  const apps: INestApplication[] = [];
  let before: string | null = null;
  let first: string;
  let second: string;

  async function start(overrides: Partial<typeof config> = {}) {
    const started = await createTestingApp(probeModule({ ...config, ...overrides }));
    apps.push(started.app);
    return started;
  }

  beforeAll(async () => {
    await ensureProbeSchema(config);
    await redis.connect();
    // Leave the clock as other suites found it.
    before = await redis.get(TEST_CLOCK_KEY);
    await redis.del(TEST_CLOCK_KEY);
    first = (await start()).url;
    second = (await start()).url;
  });

  afterAll(async () => {
    await Promise.all(apps.map((app) => app.close()));
    if (before === null) await redis.del(TEST_CLOCK_KEY);
    else await redis.set(TEST_CLOCK_KEY, before);
    await redis.quit();
  });

  it('runs in real time until set', async () => {
    const reply = await call(first, 'GET', '/v1/test/clock', { token: token.ops });
    expect(reply.status).toBe(200);
    expect(reply.body.frozen).toBe(false);
    expect(Math.abs(Date.parse(reply.body.now) - Date.now())).toBeLessThan(5000);
  });

  it('set on one service is read, frozen, by another', async () => {
    const set = await call(first, 'PUT', '/v1/test/clock', {
      token: token.ops,
      json: { now: '2026-11-23T10:00:00-05:00' },
    });
    expect(set).toMatchObject({ status: 200, body: { now: '2026-11-23T15:00:00.000Z', frozen: true } });

    const read = await call(second, 'GET', '/v1/test/clock', { token: token.ops });
    expect(read.body).toEqual({ now: '2026-11-23T15:00:00.000Z', frozen: true });
    // What use cases see through the injected Clock, on the other service.
    expect(await apps[1].get(Clock).now()).toEqual(new Date('2026-11-23T15:00:00.000Z'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await call(second, 'GET', '/v1/probe/now')).body).toEqual({ now: '2026-11-23T15:00:00.000Z' });
  });

  it('reset on one service returns every service to real time', async () => {
    const reset = await call(second, 'DELETE', '/v1/test/clock', { token: token.ops });
    expect(reset).toMatchObject({ status: 200, body: { frozen: false } });
    const read = await call(first, 'GET', '/v1/test/clock', { token: token.ops });
    expect(read.body.frozen).toBe(false);
    expect(Math.abs(Date.parse(read.body.now) - Date.now())).toBeLessThan(5000);
  });

  it.each([
    ['no body', undefined],
    ['a date without time', { now: '2026-11-23' }],
    ['an instant without zone', { now: '2026-11-23T10:00:00' }],
    ['not a date', { now: 'soon' }],
  ])('answers 400 on the field now for %s', async (_case, json) => {
    const reply = await call(first, 'PUT', '/v1/test/clock', { token: token.ops, json });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'now' }] });
  });

  it('is for ops only', async () => {
    expect((await call(first, 'GET', '/v1/test/clock')).status).toBe(401);
    const customer = await call(first, 'PUT', '/v1/test/clock', {
      token: token.customer,
      json: { now: '2026-11-23T15:00:00Z' },
    });
    expect(customer.status).toBe(403);
    expect(await redis.get(TEST_CLOCK_KEY)).toBeNull();
  });

  it('is set from REMIT_NOW when a service starts', async () => {
    await start({ remitNow: '2026-12-24T14:00:00.000Z' });
    expect(await redis.get(TEST_CLOCK_KEY)).toBe('2026-12-24T14:00:00.000Z');
    expect((await call(first, 'GET', '/v1/test/clock', { token: token.ops })).body).toEqual({
      now: '2026-12-24T14:00:00.000Z',
      frozen: true,
    });
    await redis.del(TEST_CLOCK_KEY);
  });

  it('does not exist in production, where time is real', async () => {
    await redis.set(TEST_CLOCK_KEY, '2000-01-01T00:00:00.000Z');
    try {
      const production = await start({ nodeEnv: 'production', testClockEnabled: false });
      for (const method of ['GET', 'PUT', 'DELETE']) {
        const reply = await call(production.url, method, '/v1/test/clock', {
          token: token.ops,
          json: method === 'PUT' ? { now: '2026-11-23T15:00:00Z' } : undefined,
        });
        expect(reply.status).toBe(404);
        expect(reply.body.error.code).toBe('NOT_FOUND');
      }
      const now = await production.app.get(Clock).now();
      expect(Math.abs(now.getTime() - Date.now())).toBeLessThan(5000);
    } finally {
      await redis.del(TEST_CLOCK_KEY);
    }
  });
});
