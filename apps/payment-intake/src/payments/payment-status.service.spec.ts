import { canTransition, statusesMovingTo } from './payment-status.service';

describe(canTransition.name, () => {
  it.each([
    ['submitted', 'scheduled', true],
    ['scheduled', 'posted', true],
    ['submitted', 'posted', true],
    ['posted', 'returned', true],
    ['awaiting_funds', 'posted', true],
    ['posted', 'scheduled', false],
    ['returned', 'posted', false],
    ['canceled', 'posted', false],
    ['scheduled', 'submitted', false],
    ['submitted', 'awaiting_funds', true],
    ['awaiting_funds', 'expired', true],
    ['awaiting_funds', 'scheduled', false],
    ['scheduled', 'returned', true],
    ['scheduled', 'failed', true],
    ['posted', 'canceled', false],
    ['returned', 'returned', false],
    ['expired', 'posted', false],
    ['failed', 'scheduled', false],
  ] as const)('%s → %s is %s', (from, to, expected) => {
    expect(canTransition(from, to)).toBe(expected);
  });
});

describe(statusesMovingTo.name, () => {
  it.each([
    ['scheduled', ['submitted']],
    ['awaiting_funds', ['submitted']],
    ['posted', ['submitted', 'scheduled', 'awaiting_funds']],
    ['returned', ['submitted', 'scheduled', 'posted', 'awaiting_funds']],
    ['failed', ['submitted', 'scheduled', 'awaiting_funds']],
    ['canceled', ['submitted', 'scheduled', 'awaiting_funds']],
    ['expired', ['submitted', 'awaiting_funds']],
    ['submitted', []],
  ] as const)('%s may be reached from %j', (to, from) => {
    expect(statusesMovingTo(to)).toEqual(from);
  });
});
