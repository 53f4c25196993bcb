import type { Admin, Kafka, Producer } from 'kafkajs';
import type { DataSource } from 'typeorm';
import { createCloudEvent, type CloudEvent } from '@remit/contracts';
import {
  formatDeadLetter,
  InboxConsumer,
  listDeadLetters,
  replayDeadLetters,
  waitFor,
  type EventHandlers,
} from '@remit/messaging';
import {
  bump,
  captureLogger,
  closeTestClients,
  counter,
  createTestTopics,
  invoiceIssued,
  messageCount,
  openTestClients,
  readMessages,
  type TestClients,
  uniqueName,
  waitForGroupCaughtUp,
} from './support';

jest.setTimeout(30_000);

/** Stands for a payload value (an account number): never in a listing. */
const SECRET = 'SECRET-4111111111111111';

describe(replayDeadLetters.name, () => {
  const logger = captureLogger();
  const schema = uniqueName('messaging_test');
  const topics: string[] = [];
  const consumers: InboxConsumer[] = [];
  let clients: TestClients;
  let dataSource: DataSource;
  let kafka: Kafka;
  let admin: Admin;
  let producer: Producer;

  async function startConsumer(
    topic: string,
    groupId: string,
    handlers: EventHandlers,
  ): Promise<InboxConsumer> {
    const consumer = new InboxConsumer({
      kafka,
      dataSource,
      groupId,
      groupPrefix: 'remit-test-replay',
      topics: [topic],
      handlers,
      maxAttempts: 2,
      backoffMs: 10,
      maxWaitTimeInMs: 100,
      logger,
    });
    consumers.push(consumer);
    await consumer.start();
    return consumer;
  }

  beforeAll(async () => {
    clients = await openTestClients(schema, logger);
    ({ dataSource, kafka, admin, producer } = clients);
  });

  afterAll(async () => {
    await Promise.all(consumers.splice(0).map((consumer) => consumer.stop()));
    await closeTestClients(clients, schema, topics);
  });

  it('lists a dead letter without its payload, replays it for its group only, applied once, and not twice', async () => {
    const topic = uniqueName('messaging-test.replay');
    await createTestTopics(admin, topic, 3);
    topics.push(topic, `${topic}.dlq`);
    const customerId = uniqueName('cust');
    const event: CloudEvent<'invoice.issued'> = createCloudEvent({
      ...invoiceIssued(customerId, SECRET),
      source: 'remit/messaging-test',
    });

    // "billing" refuses the event until its cause is fixed; "reporting" applies it the first time.
    let refusing = true;
    const billing = await startConsumer(topic, uniqueName('billing'), {
      'invoice.issued': async (received, manager) => {
        if (refusing)
          throw Object.assign(new Error('customer not known yet'), {
            code: 'TEST.CUSTOMER_UNKNOWN',
            retryable: false,
          });
        await bump(manager, schema, `billing-${received.id}`);
      },
    });
    const reporting = await startConsumer(topic, uniqueName('reporting'), {
      'invoice.issued': (received, manager) => bump(manager, schema, `reporting-${received.id}`),
    });
    await producer.send({
      topic,
      messages: [
        { key: customerId, value: JSON.stringify(event), headers: { ce_id: event.id, ce_type: event.type } },
      ],
    });
    await waitFor(async () => ((await messageCount(admin, `${topic}.dlq`)) === 1 ? true : undefined), {
      what: 'the dead letter',
    });
    await waitForGroupCaughtUp(admin, reporting.kafkaGroupId, topic);
    expect(await counter(dataSource, schema, `reporting-${event.id}`)).toBe(1);

    const [letter] = await listDeadLetters(kafka, topic);
    expect(letter).toEqual({
      dlqTopic: `${topic}.dlq`,
      partition: 0,
      offset: '0',
      eventId: event.id,
      type: 'invoice.issued',
      errorCode: 'TEST.CUSTOMER_UNKNOWN',
      failedAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
      originalTopic: topic,
      originalPartition: expect.any(Number),
      originalOffset: '0',
      consumerGroup: billing.kafkaGroupId,
      attempts: 1,
    });
    expect(formatDeadLetter(letter)).toContain(`event=${event.id}`);
    expect(formatDeadLetter(letter)).toContain('not replayed');
    expect(`${JSON.stringify(letter)} ${formatDeadLetter(letter)}`).not.toContain(SECRET);

    // The cause is fixed; reporting's inbox row has been purged since (it must not apply it again).
    refusing = false;
    await dataSource.query(`DELETE FROM "${schema}".inbox_events WHERE consumer_group = $1`, [
      reporting.groupId,
    ]);
    const first = await replayDeadLetters(kafka, topic);
    expect(first.replayed.map((replayed) => replayed.eventId)).toEqual([event.id]);
    await waitFor(
      async () => ((await counter(dataSource, schema, `billing-${event.id}`)) === 1 ? true : undefined),
      { what: 'the replayed event to be applied by billing' },
    );
    await waitForGroupCaughtUp(admin, billing.kafkaGroupId, topic);
    await waitForGroupCaughtUp(admin, reporting.kafkaGroupId, topic);
    expect(await counter(dataSource, schema, `reporting-${event.id}`)).toBe(1);

    // A second run, for all letters or for this event: the replay is on record, nothing goes out.
    const again = await replayDeadLetters(kafka, topic);
    const againForEvent = await replayDeadLetters(kafka, `${topic}.dlq`, { eventId: event.id });
    for (const result of [again, againForEvent]) {
      expect(result.replayed).toEqual([]);
      expect(result.alreadyReplayed.map((replayed) => replayed.eventId)).toEqual([event.id]);
    }
    expect(await messageCount(admin, topic)).toBe(2);
    expect(await counter(dataSource, schema, `billing-${event.id}`)).toBe(1);
    const [listed] = await listDeadLetters(kafka, topic);
    expect(listed.replayedAt).toEqual(first.replayed[0].replayedAt);
    expect(formatDeadLetter(listed)).toContain(`replayedAt=${listed.replayedAt}`);
  });

  it('lists nothing for an empty DLQ, and refuses a letter that does not say where it came from', async () => {
    const topic = uniqueName('messaging-test.replay');
    await createTestTopics(admin, topic, 1);
    topics.push(topic, `${topic}.dlq`);
    expect(await listDeadLetters(kafka, topic)).toEqual([]);

    // Put there by hand: no dlq-* headers, and a value that is not even JSON.
    await producer.send({ topic: `${topic}.dlq`, messages: [{ key: 'k', value: `not json ${SECRET}` }] });
    const [letter] = await listDeadLetters(kafka, topic);
    expect(letter).toEqual({ dlqTopic: `${topic}.dlq`, partition: 0, offset: '0' });
    expect(formatDeadLetter(letter)).not.toContain(SECRET);
    expect(await replayDeadLetters(kafka, topic, { eventId: 'no-such-event' })).toEqual({
      replayed: [],
      alreadyReplayed: [],
      refused: [],
    });
    expect(await replayDeadLetters(kafka, topic)).toEqual({
      replayed: [],
      alreadyReplayed: [],
      refused: [{ letter, code: 'DLQ.NO_ORIGINAL_TOPIC' }],
    });
    expect(await messageCount(admin, topic)).toBe(0);
    await expect(listDeadLetters(kafka, uniqueName('messaging-test.none'))).rejects.toMatchObject({
      code: 'DLQ.TOPIC_NOT_FOUND',
    });
  });

  it('replays for another group when told to, e.g. one renamed since the letter was written', async () => {
    const topic = uniqueName('messaging-test.replay');
    await createTestTopics(admin, topic, 1);
    topics.push(topic, `${topic}.dlq`);
    // Written before groups had a prefix: the letter names no group this environment still runs.
    await producer.send({
      topic: `${topic}.dlq`,
      messages: [
        {
          key: 'k',
          value: '{}',
          headers: { ce_id: 'e-1', 'dlq-original-topic': topic, 'dlq-error-code': 'X', 'x-trace': 'kept' },
        },
      ],
    });
    const refused = await replayDeadLetters(kafka, topic);
    expect(refused.refused.map(({ code }) => code)).toEqual(['DLQ.NO_CONSUMER_GROUP']);

    const result = await replayDeadLetters(kafka, topic, { targetGroup: 'remit-test.renamed' });
    expect(result.replayed.map((letter) => letter.eventId)).toEqual(['e-1']);
    const [replayed] = await readMessages(kafka, topic, 1);
    expect(replayed.headers).toEqual({
      ce_id: 'e-1',
      'x-trace': 'kept',
      'dlq-replay-group': 'remit-test.renamed',
      'dlq-replayed-from': `${topic}.dlq/0/0`,
    });
  });
});
