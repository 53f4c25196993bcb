import type { Response } from 'express';
import type Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import type { RemitConfig } from '../config/remit-config';
import { HEALTH_DETAIL_UNAVAILABLE, HealthDetailsRegistry } from './health-details';
import { allUp, HEALTH_CHECK_TIMEOUT_MS, HealthChecker, type HealthChecks } from './health.checker';
import { HealthController } from './health.controller';

/** The part of Express's response the controller uses. */
function fakeResponse() {
  const sent: { status?: number; headers: Record<string, string> } = { headers: {} };
  const response = {
    status(status: number) {
      sent.status = status;
      return this;
    },
    setHeader(name: string, value: string) {
      sent.headers[name] = value;
      return this;
    },
  };
  return { response: response as unknown as Response, sent };
}

const up = () => Promise.resolve('ok');
const down = () => Promise.reject(new Error('connect ECONNREFUSED'));

/** A checker over fake PostgreSQL and Redis clients; Kafka is never touched by what these tests call. */
function checkerWith(
  options: { postgres?: () => Promise<unknown>; redis?: () => Promise<unknown> } = {},
  registry = new HealthDetailsRegistry(),
) {
  const dataSource = { query: options.postgres ?? up } as unknown as DataSource;
  const redis = { ping: options.redis ?? up } as unknown as Redis;
  const config = { kafkaBrokers: ['127.0.0.1:1'] } as RemitConfig;
  return new HealthChecker(dataSource, redis, config, registry);
}

describe(allUp.name, () => {
  it.each([
    [{ postgres: 'up', redis: 'up' }, true],
    [{ postgres: 'up', redis: 'up', kafka: 'up' }, true],
    [{ postgres: 'up', redis: 'down' }, false],
    [{ postgres: 'up', redis: 'up', kafka: 'down' }, false],
  ] as const)('%p → %p', (checks, expected) => {
    expect(allUp(checks)).toBe(expected);
  });
});

describe(HealthDetailsRegistry.name, () => {
  it('keeps providers in registration order', () => {
    const registry = new HealthDetailsRegistry();
    const outbox = () => ({ oldestUnsentAgeSeconds: 3 });
    const queues = () => ({ waiting: 0 });
    registry.register('outbox', outbox);
    registry.register('queues', queues);
    expect(registry.entries()).toEqual([
      ['outbox', outbox],
      ['queues', queues],
    ]);
  });

  it('refuses a name twice, and a name that is not an identifier', () => {
    const registry = new HealthDetailsRegistry();
    registry.register('outbox', () => ({}));
    expect(() => registry.register('outbox', () => ({}))).toThrow(/already registered/);
    expect(() => registry.register('', () => ({}))).toThrow(/not an identifier/);
    expect(() => registry.register('out box', () => ({}))).toThrow(/not an identifier/);
  });
});

describe(HealthChecker.name, () => {
  it.each([
    ['both up', up, up, { postgres: 'up', redis: 'up' }],
    ['Redis down', up, down, { postgres: 'up', redis: 'down' }],
    ['PostgreSQL down', down, up, { postgres: 'down', redis: 'up' }],
  ])('reports readiness from PostgreSQL and Redis only: %s', async (_case, postgres, redis, expected) => {
    await expect(checkerWith({ postgres, redis }).ready()).resolves.toEqual(expected);
  });

  it('collects the details by name; a failing provider shows as unavailable, without its error', async () => {
    const registry = new HealthDetailsRegistry();
    registry.register('outbox', () => Promise.resolve({ oldestUnsentAgeSeconds: 12 }));
    registry.register('broken', () => {
      throw new Error('password=hunter2');
    });
    registry.register('rejected', () => Promise.reject(new Error('db down')));
    await expect(checkerWith({}, registry).details()).resolves.toEqual({
      outbox: { oldestUnsentAgeSeconds: 12 },
      broken: HEALTH_DETAIL_UNAVAILABLE,
      rejected: HEALTH_DETAIL_UNAVAILABLE,
    });
  });

  it('does not wait for a detail provider longer than a probe', async () => {
    jest.useFakeTimers();
    try {
      const registry = new HealthDetailsRegistry();
      registry.register('stuck', () => new Promise<Record<string, unknown>>(() => undefined));
      const details = checkerWith({}, registry).details();
      await jest.advanceTimersByTimeAsync(HEALTH_CHECK_TIMEOUT_MS);
      await expect(details).resolves.toEqual({ stuck: HEALTH_DETAIL_UNAVAILABLE });
    } finally {
      jest.useRealTimers();
    }
  });

  it('has no details when nothing is registered', async () => {
    await expect(checkerWith().details()).resolves.toEqual({});
  });
});

describe(HealthController.name, () => {
  const allChecks: HealthChecks = { postgres: 'up', redis: 'up', kafka: 'up' };

  function controllerWith(checker: Partial<Record<'check' | 'ready' | 'details', jest.Mock>>) {
    const fake = {
      check: jest.fn(() => Promise.resolve(allChecks)),
      ready: jest.fn(() => Promise.resolve({ postgres: 'up', redis: 'up' })),
      details: jest.fn(() => Promise.resolve({})),
      ...checker,
    };
    return { controller: new HealthController(fake as unknown as HealthChecker, 'invoice'), fake };
  }

  it('answers liveness 200 without checking any dependency', () => {
    const { controller, fake } = controllerWith({});
    const { response, sent } = fakeResponse();
    expect(controller.live(response)).toEqual({ status: 'ok', service: 'invoice' });
    expect(sent).toEqual({ status: 200, headers: { 'Cache-Control': 'no-store' } });
    expect(fake.check).not.toHaveBeenCalled();
    expect(fake.ready).not.toHaveBeenCalled();
  });

  it.each([
    ['ready', { postgres: 'up', redis: 'up' }, 200, 'ok'],
    ['Redis down', { postgres: 'up', redis: 'down' }, 503, 'unavailable'],
    ['PostgreSQL down', { postgres: 'down', redis: 'up' }, 503, 'unavailable'],
  ])('answers readiness %s', async (_case, checks, status, word) => {
    const { controller } = controllerWith({ ready: jest.fn(() => Promise.resolve(checks)) });
    const { response, sent } = fakeResponse();
    await expect(controller.ready(response)).resolves.toEqual({ status: word, service: 'invoice', checks });
    expect(sent.status).toBe(status);
    expect(sent.headers['Cache-Control']).toBe('no-store');
  });

  it('answers /health 503 when Kafka alone is down', async () => {
    const checks = { ...allChecks, kafka: 'down' };
    const { controller } = controllerWith({ check: jest.fn(() => Promise.resolve(checks)) });
    const { response, sent } = fakeResponse();
    await expect(controller.health(response)).resolves.toEqual({
      status: 'unavailable',
      service: 'invoice',
      checks,
    });
    expect(sent.status).toBe(503);
  });

  it('adds the registered details to /health without letting them change its status', async () => {
    const details = { outbox: { oldestUnsentAgeSeconds: 900 }, queues: HEALTH_DETAIL_UNAVAILABLE };
    const { controller } = controllerWith({ details: jest.fn(() => Promise.resolve(details)) });
    const { response, sent } = fakeResponse();
    await expect(controller.health(response)).resolves.toEqual({
      status: 'ok',
      service: 'invoice',
      checks: allChecks,
      details,
    });
    expect(sent.status).toBe(200);
  });
});
