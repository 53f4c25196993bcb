import { attemptsWithin, deliveryJobOptions } from './delivery-queue';

describe(attemptsWithin.name, () => {
  it.each([
    ['3 days at a 10 s base: retries until about 1.9 days', 259_200_000, 10_000, 15],
    ['a window shorter than the first retry: one attempt', 5_000, 10_000, 1],
    ['exactly the first retry', 10_000, 10_000, 2],
    ['1 s at 100 ms: retries after 100, 200 and 400 ms', 1_000, 100, 4],
  ])('%s', (_case, windowMs, baseMs, expected) => {
    expect(attemptsWithin(windowMs, baseMs)).toBe(expected);
  });

  it('keeps every retry inside the window', () => {
    for (const windowMs of [1_000, 60_000, 259_200_000]) {
      const attempts = attemptsWithin(windowMs, 1_000);
      const waited = 1_000 * (2 ** (attempts - 1) - 1);
      expect(waited).toBeLessThanOrEqual(Math.max(windowMs, 0));
      expect(1_000 * (2 ** attempts - 1)).toBeGreaterThan(windowMs);
    }
  });

  it('refuses a window or base that is not positive', () => {
    expect(() => attemptsWithin(0, 1_000)).toThrow();
    expect(() => attemptsWithin(1_000, 0)).toThrow();
  });
});

describe(deliveryJobOptions.name, () => {
  it('makes the notification id the job id, with exponential backoff', () => {
    expect(deliveryJobOptions('n-1', 5, 200)).toMatchObject({
      jobId: 'n-1',
      attempts: 5,
      backoff: { type: 'exponential', delay: 200 },
    });
  });
});
