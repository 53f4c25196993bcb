import { randomUUID } from 'node:crypto';
import { Partitioners, type IHeaders, type Kafka, type KafkaMessage } from 'kafkajs';
import { dlqTopicOf } from '@remit/contracts';
import { waitFor } from './backoff';
import { DLQ_HEADERS, withoutDeadLetterHeaders } from './dead-letter';

/**
 * Dead letters, for the `npm run dlq` tool (tools/dlq.ts): list them, and replay them through the
 * normal consumer path once their cause is fixed.
 *
 * A replayed letter goes back to its original topic with a `dlq-replay-group` header naming the
 * consumer group that dead-lettered it, and only that group processes it (`InboxConsumer` skips it
 * in every other group). That group never applied the event (its attempt rolled back with the
 * inbox row), so it applies it once; the other groups of the topic handled it the first time, and
 * their inbox rows may have been purged since: without the header they could apply it again.
 *
 * Each replay is recorded in the DLQ itself: after re-publishing a letter, a marker (null value,
 * `dlq-replay-of: <partition>/<offset>`) is appended to the DLQ topic, and a later run skips letters
 * that have one. The record needs no table and no other topic, lives exactly as long as the letters
 * (same topic, same retention), and is read in the same pass. Should a run die between the
 * re-publish and its marker, or two runs race, the letter goes out twice: the target group's inbox
 * dedupes on the event id, so it is still applied once.
 */

/** One dead letter as the tool shows it: where it is, what it was and why it failed. Never the payload. */
export interface DeadLetter {
  dlqTopic: string;
  partition: number;
  offset: string;
  eventId?: string;
  type?: string;
  errorCode?: string;
  failedAt?: string;
  originalTopic?: string;
  originalPartition?: number;
  originalOffset?: string;
  /** The Kafka consumer group that dead-lettered it. */
  consumerGroup?: string;
  attempts?: number;
  /** Set once a replay of this letter was recorded. */
  replayedAt?: string;
}

export interface DeadLetterReadOptions {
  /** Prefix of the throwaway consumer groups that read the DLQ (they commit nothing). */
  readerGroupPrefix?: string;
  /** How long reading the DLQ to its end may take. */
  timeoutMs?: number;
}

export interface ReplayOptions extends DeadLetterReadOptions {
  /** Replay only the letter(s) of this event id. */
  eventId?: string;
  /**
   * The Kafka group to replay for, instead of the one recorded on each letter: for letters whose
   * group has been renamed since (e.g. dead-lettered before the environment prefix existed).
   */
  targetGroup?: string;
}

/** A refused request of the tool, with a stable code. */
export class DeadLetterToolError extends Error {
  constructor(
    readonly code: 'DLQ.TOPIC_NOT_FOUND',
    message: string,
  ) {
    super(message);
    this.name = 'DeadLetterToolError';
  }
}

export interface ReplayResult {
  replayed: DeadLetter[];
  /** Letters (of `eventId`, if given) whose replay was already recorded: not sent again. */
  alreadyReplayed: DeadLetter[];
  /** Letters that cannot be replayed, and why (stable codes). */
  refused: { letter: DeadLetter; code: 'DLQ.NO_ORIGINAL_TOPIC' | 'DLQ.NO_CONSUMER_GROUP' }[];
}

interface StoredLetter {
  letter: DeadLetter;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
}

/** `<topic>.dlq` for an original topic; a name that already is a DLQ stays as it is. */
export function deadLetterTopicFor(topic: string): string {
  return topic.endsWith('.dlq') ? topic : dlqTopicOf(topic);
}

/** Every dead letter in the DLQ of `topic`, oldest first per partition, with its replay state. */
export async function listDeadLetters(
  kafka: Kafka,
  topic: string,
  options: DeadLetterReadOptions = {},
): Promise<DeadLetter[]> {
  return (await readDeadLetters(kafka, deadLetterTopicFor(topic), options)).map((stored) => stored.letter);
}

/**
 * Re-publishes the dead letters of `topic` (or those of one event id) that were not replayed yet
 * to their original topic, for the group that dead-lettered them, and records each replay.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  topic: string,
  options: ReplayOptions = {},
): Promise<ReplayResult> {
  const dlqTopic = deadLetterTopicFor(topic);
  const stored = (await readDeadLetters(kafka, dlqTopic, options)).filter(
    ({ letter }) => options.eventId === undefined || letter.eventId === options.eventId,
  );
  const result: ReplayResult = { replayed: [], alreadyReplayed: [], refused: [] };
  const pending: StoredLetter[] = [];
  for (const entry of stored) {
    const { letter } = entry;
    if (letter.replayedAt !== undefined) result.alreadyReplayed.push(letter);
    else if (!letter.originalTopic) result.refused.push({ letter, code: 'DLQ.NO_ORIGINAL_TOPIC' });
    else if (!(options.targetGroup ?? letter.consumerGroup))
      result.refused.push({ letter, code: 'DLQ.NO_CONSUMER_GROUP' });
    else pending.push(entry);
  }
  if (pending.length === 0) return result;

  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  try {
    // One by one, in DLQ order: each replay is recorded before the next goes out.
    for (const { letter, key, value, headers } of pending) {
      await producer.send({
        topic: letter.originalTopic ?? '',
        acks: -1,
        messages: [
          {
            key,
            value,
            headers: {
              ...withoutDeadLetterHeaders(headers),
              [DLQ_HEADERS.replayGroup]: options.targetGroup ?? letter.consumerGroup ?? '',
              [DLQ_HEADERS.replayedFrom]: `${dlqTopic}/${letter.partition}/${letter.offset}`,
            },
          },
        ],
      });
      const replayedAt = new Date().toISOString();
      await producer.send({
        topic: dlqTopic,
        acks: -1,
        messages: [
          {
            key,
            value: null,
            headers: {
              [DLQ_HEADERS.replayOf]: `${letter.partition}/${letter.offset}`,
              [DLQ_HEADERS.replayedAt]: replayedAt,
              ...(letter.eventId !== undefined ? { ce_id: letter.eventId } : {}),
            },
          },
        ],
      });
      result.replayed.push({ ...letter, replayedAt });
    }
  } finally {
    await producer.disconnect();
  }
  return result;
}

/** One line per letter for a terminal: identifiers, codes and times only. */
export function formatDeadLetter(letter: DeadLetter): string {
  const or = (value: string | number | undefined): string => (value === undefined ? '-' : String(value));
  return [
    `${letter.dlqTopic}/${letter.partition}/${letter.offset}`,
    `event=${or(letter.eventId)}`,
    `type=${or(letter.type)}`,
    `error=${or(letter.errorCode)}`,
    `failedAt=${or(letter.failedAt)}`,
    `from=${or(letter.originalTopic)}/${or(letter.originalPartition)}/${or(letter.originalOffset)}`,
    `group=${or(letter.consumerGroup)}`,
    `attempts=${or(letter.attempts)}`,
    letter.replayedAt !== undefined ? `replayedAt=${letter.replayedAt}` : 'not replayed',
  ].join('  ');
}

/**
 * Reads the DLQ from its start to the end it had when the read began, with a throwaway group that
 * commits nothing, and joins each letter with its replay marker, if any.
 */
async function readDeadLetters(
  kafka: Kafka,
  dlqTopic: string,
  { readerGroupPrefix = 'remit-dlq-tool', timeoutMs = 20_000 }: DeadLetterReadOptions,
): Promise<StoredLetter[]> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  try {
    // Asked first: offsets of a missing topic are retried by kafkajs for the better part of a minute.
    if (!(await admin.listTopics()).includes(dlqTopic))
      throw new DeadLetterToolError('DLQ.TOPIC_NOT_FOUND', `topic ${dlqTopic} does not exist`);
    const offsets = await admin.fetchTopicOffsets(dlqTopic);
    ends = new Map(
      offsets
        .filter((partition) => BigInt(partition.high) > BigInt(partition.low))
        .map((partition) => [partition.partition, BigInt(partition.high)]),
    );
  } finally {
    await admin.disconnect();
  }
  if (ends.size === 0) return [];

  const letters: StoredLetter[] = [];
  const replays = new Map<string, string>();
  const reached = new Map<number, bigint>();
  const groupId = `${readerGroupPrefix}.${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, allowAutoTopicCreation: false });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [dlqTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ partition, message }) => {
        const offset = BigInt(message.offset);
        const end = ends.get(partition);
        if (end !== undefined && offset < end) {
          const replayOf = header(message, DLQ_HEADERS.replayOf);
          if (replayOf !== undefined)
            replays.set(replayOf, header(message, DLQ_HEADERS.replayedAt) ?? 'unknown');
          else letters.push(toStoredLetter(dlqTopic, partition, message));
        }
        reached.set(partition, offset);
        return Promise.resolve();
      },
    });
    await waitFor(
      () =>
        [...ends].every(([partition, end]) => (reached.get(partition) ?? -1n) >= end - 1n) ? true : undefined,
      { timeoutMs, intervalMs: 50, what: `the end of ${dlqTopic}` },
    );
  } finally {
    await consumer.disconnect();
  }
  // Best effort: an empty group that committed nothing also expires on its own.
  const cleanup = kafka.admin();
  try {
    await cleanup.connect();
    await cleanup.deleteGroups([groupId]);
  } catch {
    // Left to expire.
  } finally {
    await cleanup.disconnect().catch(() => undefined);
  }

  for (const stored of letters) {
    const replayedAt = replays.get(`${stored.letter.partition}/${stored.letter.offset}`);
    if (replayedAt !== undefined) stored.letter.replayedAt = replayedAt;
  }
  return letters.sort(
    (a, b) =>
      a.letter.partition - b.letter.partition || Number(BigInt(a.letter.offset) - BigInt(b.letter.offset)),
  );
}

function toStoredLetter(dlqTopic: string, partition: number, message: KafkaMessage): StoredLetter {
  const peeked = peekEnvelope(message.value);
  const originalPartition = header(message, DLQ_HEADERS.originalPartition);
  const attempts = header(message, DLQ_HEADERS.attempts);
  const letter: DeadLetter = {
    dlqTopic,
    partition,
    offset: message.offset,
    ...defined('eventId', header(message, 'ce_id') ?? peeked.id),
    ...defined('type', header(message, 'ce_type') ?? peeked.type),
    ...defined('errorCode', header(message, DLQ_HEADERS.errorCode)),
    ...defined('failedAt', header(message, DLQ_HEADERS.failedAt)),
    ...defined('originalTopic', header(message, DLQ_HEADERS.originalTopic)),
    ...defined('originalPartition', originalPartition === undefined ? undefined : Number(originalPartition)),
    ...defined('originalOffset', header(message, DLQ_HEADERS.originalOffset)),
    ...defined('consumerGroup', header(message, DLQ_HEADERS.consumerGroup)),
    ...defined('attempts', attempts === undefined ? undefined : Number(attempts)),
  };
  return { letter, key: message.key, value: message.value, headers: message.headers ?? {} };
}

function defined<K extends string, V>(name: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [name]: value }) as { [P in K]?: V };
}

function header(message: KafkaMessage, name: string): string | undefined {
  const value = message.headers?.[name];
  if (value === undefined) return undefined;
  return Array.isArray(value) ? value.map(String).join(',') : value.toString();
}

/** The envelope's `id` and `type`, when the value is a JSON object; nothing else is read. */
function peekEnvelope(value: Buffer | null): { id?: string; type?: string } {
  if (!value) return {};
  try {
    const parsed: unknown = JSON.parse(value.toString('utf8'));
    if (typeof parsed !== 'object' || parsed === null) return {};
    const id = 'id' in parsed && typeof parsed.id === 'string' ? parsed.id : undefined;
    const type = 'type' in parsed && typeof parsed.type === 'string' ? parsed.type : undefined;
    return { ...(id !== undefined ? { id } : {}), ...(type !== undefined ? { type } : {}) };
  } catch {
    return {};
  }
}
