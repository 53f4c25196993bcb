import { bullConnectionOptions, redisConnectionOptions } from './redis';

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
