import { cardJobId, isFinalAttempt } from './card-queue';

describe(isFinalAttempt.name, () => {
  it.each([
    ['the first of four', 0, 4, false],
    ['the third of four', 2, 4, false],
    ['the fourth of four', 3, 4, true],
    ['a job without retries', 0, undefined, true],
  ])('%s', (_case, attemptsMade, attempts, expected) => {
    expect(isFinalAttempt({ attemptsMade, opts: attempts === undefined ? {} : { attempts } })).toBe(expected);
  });
});

describe(cardJobId.name, () => {
  it('is one job per payment', () => {
    expect(cardJobId('abc')).toBe('authorize-abc');
  });
});
