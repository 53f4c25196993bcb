import { backoffDelay, sleep, waitFor } from './backoff';

describe('backoffDelay', () => {
  it.each([
    ['first retry waits the base', 1, 200, 5000, 200],
    ['second retry doubles', 2, 200, 5000, 400],
    ['fourth retry is 8× base', 4, 200, 5000, 1600],
    ['capped at the maximum', 10, 200, 5000, 5000],
    ['huge attempt numbers stay capped', 10_000, 200, 5000, 5000],
    ['a zero base never waits', 3, 0, 5000, 0],
  ])('%s', (_name, attempt, base, max, expected) => {
    expect(backoffDelay(attempt, base, max)).toBe(expected);
  });
});

describe('sleep', () => {
  it('ends early when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const sleeping = sleep(10_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('waitFor', () => {
  it('returns the first defined value', async () => {
    let calls = 0;
    await expect(waitFor(() => (++calls >= 3 ? calls : undefined), { intervalMs: 1 })).resolves.toBe(3);
  });

  it('throws after the deadline', async () => {
    await expect(waitFor(() => undefined, { timeoutMs: 20, intervalMs: 5, what: 'nothing' })).rejects.toThrow(
      /waiting for nothing/,
    );
  });
});
