import { EventPattern, type MessageHandler } from '@nestjs/microservices';
import { PATTERN_EXTRAS_METADATA } from '@nestjs/microservices/constants';
import type { Kafka } from 'kafkajs';
import type { DataSource, EntityManager } from 'typeorm';
import type { EventType } from '@remit/contracts';
import { InboxTransport } from './inbox-transport';
import {
  InboxContext,
  KAFKA_CONSUMER_EXTRA,
  KafkaConsumer,
  type KafkaConsumerDeclaration,
} from './kafka-consumer.decorator';

/** What `listen` reports: the error it refused to start with. No consumer is built, nothing connects. */
function listenError(register: (transport: InboxTransport) => void): unknown {
  const transport = new InboxTransport({} as Kafka, {} as DataSource, {});
  register(transport);
  let reported: unknown;
  transport.listen((error) => {
    reported = error;
  });
  expect(transport.registered).toEqual([]);
  return reported;
}

const handler = (): MessageHandler => jest.fn(() => Promise.resolve());
const declaration = (consumer: string, groupId = 'invoice'): KafkaConsumerDeclaration => ({
  consumer,
  options: { groupId, topics: ['intake.payments.v1'] },
});
const under = (declared: KafkaConsumerDeclaration) => ({ [KAFKA_CONSUMER_EXTRA]: declared });

describe(InboxTransport.name, () => {
  const payments = declaration('PaymentEventsConsumer');

  it.each<[string, (transport: InboxTransport) => void, string]>([
    [
      'a handler outside any @KafkaConsumer',
      (transport) => transport.addHandler('payment.posted', handler(), true),
      "handler of 'payment.posted' has no consumer group: its controller needs @KafkaConsumer({ groupId, topics })",
    ],
    [
      'a @MessagePattern',
      (transport) => transport.addHandler('payment.posted', handler(), false, under(payments)),
      `PaymentEventsConsumer (group "invoice"): @MessagePattern('payment.posted') has no reply over Kafka; use @EventPattern`,
    ],
    [
      'a pattern that is not an event type',
      (transport) => transport.addHandler('payment.postd', handler(), true, under(payments)),
      `PaymentEventsConsumer (group "invoice"): @EventPattern('payment.postd') is not an event type of @remit/contracts`,
    ],
    [
      'an object pattern',
      (transport) => transport.addHandler({ cmd: 'payment.posted' }, handler(), true, under(payments)),
      `PaymentEventsConsumer (group "invoice"): @EventPattern('{"cmd":"payment.posted"}') is not an event type of @remit/contracts`,
    ],
    [
      'one group declared by two controllers',
      (transport) => {
        transport.addHandler('payment.posted', handler(), true, under(payments));
        transport.addHandler('payment.submitted', handler(), true, under(declaration('OtherConsumer')));
      },
      'consumer group "invoice" is declared by both PaymentEventsConsumer and OtherConsumer',
    ],
    [
      'two handlers of one event type in one group',
      (transport) => {
        transport.addHandler('payment.posted', handler(), true, under(payments));
        transport.addHandler('payment.posted', handler(), true, under(payments));
      },
      `PaymentEventsConsumer (group "invoice"): two handlers of 'payment.posted'`,
    ],
  ])('refuses to start with %s', (_case, register, message) => {
    expect(listenError(register)).toEqual(new Error(message));
  });

  it('has no events and unwraps to its consumers', () => {
    const transport = new InboxTransport({} as Kafka, {} as DataSource, {});
    expect(() => transport.on()).toThrow('InboxTransport emits no events');
    expect(transport.unwrap()).toEqual([]);
  });

  it('closes without having listened', async () => {
    await expect(new InboxTransport({} as Kafka, {} as DataSource, {}).close()).resolves.toBeUndefined();
  });
});

describe(KafkaConsumer.name, () => {
  it("puts its group into each @EventPattern method's extras", () => {
    const options = { groupId: 'settlement', topics: ['intake.payments.v1'], maxAttempts: 3 };

    @KafkaConsumer(options)
    class PaymentEventsConsumer {
      @EventPattern<EventType>('payment.submitted', { other: true })
      onSubmitted(): void {}

      helper(): void {}
    }

    const { prototype } = PaymentEventsConsumer;
    expect(Reflect.getMetadata(PATTERN_EXTRAS_METADATA, prototype.onSubmitted)).toEqual({
      other: true,
      [KAFKA_CONSUMER_EXTRA]: { consumer: 'PaymentEventsConsumer', options },
    });
    expect(Reflect.getMetadata(PATTERN_EXTRAS_METADATA, prototype.helper)).toBeUndefined();
  });
});

describe(InboxContext.name, () => {
  it("carries the inbox transaction's EntityManager", () => {
    const manager = {} as EntityManager;
    expect(new InboxContext([manager]).manager).toBe(manager);
  });
});
