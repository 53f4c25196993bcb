import { delayUntilPostingDate, postingJobId } from './posting-queue';

describe(delayUntilPostingDate.name, () => {
  it('waits until the start of the posting date in New York', () => {
    expect(delayUntilPostingDate('2026-11-30', new Date('2026-11-25T19:00:00Z'))).toBe(
      Date.parse('2026-11-30T05:00:00Z') - Date.parse('2026-11-25T19:00:00Z'),
    );
  });

  it('is zero when the posting date has come', () => {
    expect(delayUntilPostingDate('2026-11-25', new Date('2026-11-25T15:00:00Z'))).toBe(0);
  });
});

describe(postingJobId.name, () => {
  it('is one job per payment', () => {
    expect(postingJobId('abc')).toBe('post-abc');
  });
});
