import { EventEmitter } from 'node:events';
import {
  bullConnectionOptions,
  reconnectOnReadOnly,
  REDIS_MAX_RECONNECT_DELAY_MS,
  redisConnectionOptions,
  redisReconnectDelay,
  sharedRedisOptions,
  untilFirstConnectAttempt,
} from './redis';

describe(redisConnectionOptions.name, () => {
  it.each([
    ['redis://127.0.0.1:6379/0', { host: '127.0.0.1', port: 6379, db: 0 }],
    ['redis://127.0.0.1:6379/1', { host: '127.0.0.1', port: 6379, db: 1 }],
    ['redis://cache', { host: 'cache', port: 6379, db: 0 }],
    ['redis://:s%40cret@cache:6380/2', { host: 'cache', port: 6380, db: 2, password: 's@cret' }],
    [
      'redis://remit:pw@cache:6380/3',
      { host: 'cache', port: 6380, db: 3, username: 'remit', password: 'pw' },
    ],
    ['rediss://cache:6380', { host: 'cache', port: 6380, db: 0, tls: {} }],
    ['redis://[::1]:6379/4', { host: '::1', port: 6379, db: 4 }],
  ])('%s', (url, expected) => {
    expect(redisConnectionOptions(url)).toEqual(expected);
  });
});

describe(bullConnectionOptions.name, () => {
  it('adds maxRetriesPerRequest: null, which BullMQ requires', () => {
    expect(bullConnectionOptions({ redisUrl: 'redis://127.0.0.1:6379/1' })).toEqual({
      host: '127.0.0.1',
      port: 6379,
      db: 1,
      maxRetriesPerRequest: null,
    });
  });
});

describe(sharedRedisOptions.name, () => {
  it('fails fast while Redis is down and never stops reconnecting', () => {
    const options = sharedRedisOptions({ redisUrl: 'redis://cache:6380/2' }, 'remit-invoice');
    expect(options).toMatchObject({
      host: 'cache',
      port: 6380,
      db: 2,
      connectionName: 'remit-invoice',
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      commandTimeout: 5000,
    });
    expect(options.retryStrategy).toBe(redisReconnectDelay);
    expect(options.reconnectOnError).toBe(reconnectOnReadOnly);
  });
});

describe(redisReconnectDelay.name, () => {
  it.each([
    [1, 100],
    [5, 500],
    [20, REDIS_MAX_RECONNECT_DELAY_MS],
    [10_000, REDIS_MAX_RECONNECT_DELAY_MS],
  ])('waits after attempt %i: %i ms (a number, so ioredis keeps trying)', (attempt, delay) => {
    expect(redisReconnectDelay(attempt)).toBe(delay);
  });
});

describe(reconnectOnReadOnly.name, () => {
  it.each([
    ["READONLY You can't write against a read only replica.", true],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', false],
    ['Connection is closed.', false],
  ])('%s → %p', (message, reconnect) => {
    expect(reconnectOnReadOnly(new Error(message))).toBe(reconnect);
  });
});

describe(untilFirstConnectAttempt.name, () => {
  class FakeClient extends EventEmitter {
    constructor(public status: string) {
      super();
    }
  }

  it('resolves at once for a ready client', async () => {
    await expect(untilFirstConnectAttempt(new FakeClient('ready'), 60_000)).resolves.toBeUndefined();
  });

  it.each(['ready', 'error'] as const)('resolves on the first %s and stops listening', async (event) => {
    const client = new FakeClient('connecting');
    const waiting = untilFirstConnectAttempt(client, 60_000);
    client.emit(event, new Error('connect ECONNREFUSED'));
    await expect(waiting).resolves.toBeUndefined();
    expect(client.listenerCount('ready') + client.listenerCount('error')).toBe(0);
  });

  it('gives up waiting after the timeout', async () => {
    jest.useFakeTimers();
    try {
      const client = new FakeClient('connecting');
      const waiting = untilFirstConnectAttempt(client, 5000);
      jest.advanceTimersByTime(5000);
      await expect(waiting).resolves.toBeUndefined();
      expect(client.listenerCount('ready') + client.listenerCount('error')).toBe(0);
    } finally {
      jest.useRealTimers();
    }
  });
});
