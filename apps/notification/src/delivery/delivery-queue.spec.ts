import { attemptsWithin, deliveryJobOptions, retryJobOptions } from './delivery-queue';

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

describe(retryJobOptions.name, () => {
  it('keeps the schedule of a job from the start: attempt n + 1 follows attempt n by base * 2^(n - 1)', () => {
    const baseMs = 200;
    const attempts = 8;
    for (const attemptsMade of [1, 2, 3]) {
      const options = retryJobOptions('n-1', attempts, baseMs, attemptsMade);
      // The job's first run is attempt attemptsMade + 1; its k-th retry (BullMQ exponential backoff,
      // delay * 2^(k - 1)) is attempt attemptsMade + k + 1.
      expect(options.delay).toBe(baseMs * 2 ** (attemptsMade - 1));
      const backoff = options.backoff as { type: string; delay: number };
      expect(backoff.type).toBe('exponential');
      for (let k = 1; k < attempts - attemptsMade; k += 1) {
        const failedAttempt = attemptsMade + k;
        expect(backoff.delay * 2 ** (k - 1)).toBe(baseMs * 2 ** (failedAttempt - 1));
      }
      expect(options).toMatchObject({ jobId: 'n-1', attempts: attempts - attemptsMade });
    }
  });

  it('leaves the job one attempt when the attempts made reach the limit, and refuses none made', () => {
    expect(retryJobOptions('n-1', 3, 100, 3).attempts).toBe(1);
    expect(() => retryJobOptions('n-1', 3, 100, 0)).toThrow();
  });
});
