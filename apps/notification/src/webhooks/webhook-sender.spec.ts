import { fetchFailure } from './webhook-sender';

describe(fetchFailure.name, () => {
  it.each([
    [
      'the cause of "fetch failed", with its code',
      Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
      }),
      'connect ECONNREFUSED 127.0.0.1:9',
    ],
    [
      'a code the message does not name',
      Object.assign(new TypeError('fetch failed'), {
        cause: { code: 'UND_ERR_CONNECT_TIMEOUT', message: 'Connect Timeout Error' },
      }),
      'UND_ERR_CONNECT_TIMEOUT Connect Timeout Error',
    ],
    [
      'an error without a cause',
      new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      'The operation was aborted due to timeout',
    ],
    ['anything else', 'boom', 'boom'],
  ])('%s', (_case, error, expected) => {
    expect(fetchFailure(error)).toBe(expected);
  });
});
