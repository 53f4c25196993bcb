import { cancelRefusal } from './cancel-payment.service';

describe(cancelRefusal.name, () => {
  // Monday 2026-11-23; 17:00 in New York is 22:00Z in November.
  const beforeCutoff = new Date('2026-11-23T21:59:59Z');
  const atCutoff = new Date('2026-11-23T22:00:00Z');

  it.each([
    ['ach before the cutoff of its day', 'ach', 'submitted', beforeCutoff, undefined],
    ['scheduled saved debit before the cutoff', 'saved', 'scheduled', beforeCutoff, undefined],
    ['ach at the cutoff of its day', 'ach', 'scheduled', atCutoff, /bank file of 2026-11-23/],
    ['saved debit the next day', 'saved', 'scheduled', new Date('2026-11-24T15:00:00Z'), /bank file/],
    ['a check awaiting funds after the cutoff', 'check', 'awaiting_funds', atCutoff, undefined],
    [
      'a card payment, captured when submitted',
      'card',
      'submitted',
      beforeCutoff,
      /card payment is captured/,
    ],
    ['a posted payment', 'ach', 'posted', beforeCutoff, /is posted/],
    ['a returned payment', 'ach', 'returned', beforeCutoff, /is returned/],
  ] as const)('%s', (_case, methodType, status, now, expected) => {
    const refusal = cancelRefusal({ methodType, status, businessDate: '2026-11-23' }, now, '17:00');
    if (expected === undefined) expect(refusal).toBeUndefined();
    else expect(refusal).toMatch(expected);
  });
});
