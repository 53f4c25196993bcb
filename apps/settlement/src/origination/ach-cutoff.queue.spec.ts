import { achCutoffPattern } from './ach-cutoff.queue';

describe(achCutoffPattern.name, () => {
  it.each([
    ['17:00', '0 17 * * 1-5'],
    ['16:30', '30 16 * * 1-5'],
    ['09:05', '5 9 * * 1-5'],
  ])('fires %s New York time on weekdays', (cutoff, pattern) => {
    expect(achCutoffPattern(cutoff)).toBe(pattern);
  });
});
