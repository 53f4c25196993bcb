import { postingPlanOf } from './schedule-payment.service';

describe(postingPlanOf.name, () => {
  it.each([
    ['ach', 2, 'scheduled'],
    ['saved', 2, 'scheduled'],
    ['wire', 2, 'awaiting_funds'],
    ['check', 5, 'awaiting_funds'],
    ['card', 0, 'authorizing'],
  ] as const)('%s: %s business days, %s', (method, businessDays, status) => {
    expect(postingPlanOf(method)).toEqual({ businessDays, status });
  });
});
