import { ContractViolation, createCloudEvent, parseCloudEvent } from './cloud-event';
import { businessDateSchema, isEventType, topicOfEvent } from './events';
import { dlqTopicOf, Topics } from './topics';

const scheduled = {
  paymentId: '0b6f4e0e-51c8-4cf7-9a51-0b1f7f4a0001',
  customerId: 'corp-1',
  amountCents: 34618,
  method: { type: 'ach' as const, last4: '6789' },
  expectedPostingDate: '2026-11-30',
};

describe(createCloudEvent.name, () => {
  it('builds a CloudEvents 1.0 envelope with Remit extensions', () => {
    const event = createCloudEvent({
      type: 'payment.scheduled',
      source: 'remit/settlement',
      customerId: 'corp-1',
      data: scheduled,
      time: new Date('2026-11-25T19:00:00Z'),
    });
    expect(event).toMatchObject({
      specversion: '1.0',
      source: 'remit/settlement',
      type: 'payment.scheduled',
      time: '2026-11-25T19:00:00.000Z',
      customerid: 'corp-1',
      datacontenttype: 'application/json',
      data: scheduled,
    });
    expect(event.correlationid).toBe(event.id);
  });

  it('refuses invalid data at the producer', () => {
    expect(() =>
      createCloudEvent({
        type: 'payment.scheduled',
        source: 's',
        customerId: 'c',
        data: { ...scheduled, amountCents: 1.5 },
      }),
    ).toThrow();
  });
});

describe(parseCloudEvent.name, () => {
  const valid = createCloudEvent({
    type: 'payment.scheduled',
    source: 's',
    customerId: 'corp-1',
    data: scheduled,
    correlationId: 'corr-1',
  });

  it('round-trips a valid event from bytes', () => {
    expect(parseCloudEvent(Buffer.from(JSON.stringify(valid)))).toEqual(valid);
  });

  it.each([
    ['no value', null, /no value/],
    ['not JSON', '{nope', /not JSON/],
    ['not an envelope', JSON.stringify({ hello: 'world' }), /not a CloudEvents 1.0 envelope/],
    ['an unknown type', JSON.stringify({ ...valid, type: 'payment.teleported' }), /unknown event type/],
    [
      'invalid data',
      JSON.stringify({ ...valid, data: { ...scheduled, expectedPostingDate: '2026-02-30' } }),
      /invalid data for payment.scheduled/,
    ],
  ])('refuses %s', (_name, raw, message) => {
    expect(() => parseCloudEvent(raw)).toThrow(ContractViolation);
    expect(() => parseCloudEvent(raw)).toThrow(message);
  });

  it('names the failing fields', () => {
    try {
      parseCloudEvent(JSON.stringify({ ...valid, data: { ...scheduled, amountCents: -1 } }));
      throw new Error('expected a ContractViolation');
    } catch (error) {
      expect((error as ContractViolation).issues).toEqual([expect.objectContaining({ path: 'amountCents' })]);
    }
  });
});

describe('topics and types', () => {
  it('routes every event type to a known topic', () => {
    for (const topic of Object.values(topicOfEvent)) expect(Object.values(Topics)).toContain(topic);
  });

  it('names dead-letter twins', () => {
    expect(dlqTopicOf(Topics.intakePayments)).toBe('intake.payments.v1.dlq');
  });

  it('knows its event types', () => {
    expect(isEventType('payment.posted')).toBe(true);
    expect(isEventType('toString')).toBe(false);
  });

  it.each([
    ['2026-11-25', true],
    ['2026-02-30', false],
    ['2026-11-5', false],
  ])('business date %s valid: %s', (value, valid) => {
    expect(businessDateSchema.safeParse(value).success).toBe(valid);
  });
});
