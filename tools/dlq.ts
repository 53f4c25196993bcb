/**
 * `npm run dlq -- list <topic>` and `npm run dlq -- replay <topic> [eventId] [--group <kafkaGroupId>]`:
 * the dead letters of a topic (`<topic>` or `<topic>.dlq`), and their replay through the normal
 * consumer path once the cause is fixed. `--group` replays for another group than the one on the
 * letter (a group renamed since, e.g. before KAFKA_GROUP_PREFIX: `settlement` is now
 * `remit-production.settlement`). The logic, and why a replay is applied once and never sent twice, is in
 * libs/messaging/src/dead-letter-replay.ts. Prints identifiers, codes and times, never payloads.
 * Reads KAFKA_BROKERS (default 127.0.0.1:9092).
 */
import { logLevel } from 'kafkajs';
import {
  consoleLogger,
  createKafka,
  formatDeadLetter,
  listDeadLetters,
  parseBrokers,
  replayDeadLetters,
} from '@remit/messaging';

const USAGE = `usage: npm run dlq -- list <topic>
       npm run dlq -- replay <topic> [eventId] [--group <kafkaGroupId>]`;

/** Exit codes: 0 done, 1 failed or nothing matched, 2 wrong arguments. */
async function main(argv: string[]): Promise<number> {
  const groupFlag = argv.indexOf('--group');
  const targetGroup = groupFlag >= 0 ? argv[groupFlag + 1] : undefined;
  const positional = groupFlag >= 0 ? [...argv.slice(0, groupFlag), ...argv.slice(groupFlag + 2)] : argv;
  const [command, topic, eventId, ...extra] = positional;
  const valid =
    topic !== undefined &&
    extra.length === 0 &&
    (groupFlag < 0 || (targetGroup !== undefined && !targetGroup.startsWith('--'))) &&
    (command === 'replay' || (command === 'list' && eventId === undefined && groupFlag < 0));
  if (!valid) {
    console.error(USAGE);
    return 2;
  }
  const kafka = createKafka({
    clientId: 'remit-dlq-tool',
    brokers: parseBrokers(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
    logger: consoleLogger,
    logLevel: logLevel.WARN,
  });

  if (command === 'list') {
    const letters = await listDeadLetters(kafka, topic);
    for (const letter of letters) console.log(formatDeadLetter(letter));
    const replayed = letters.filter((letter) => letter.replayedAt !== undefined).length;
    console.log(`${letters.length} dead letter(s), ${replayed} replayed`);
    return 0;
  }

  const result = await replayDeadLetters(kafka, topic, {
    ...(eventId !== undefined ? { eventId } : {}),
    ...(targetGroup !== undefined ? { targetGroup } : {}),
  });
  for (const letter of result.replayed) console.log(`replayed          ${formatDeadLetter(letter)}`);
  for (const letter of result.alreadyReplayed) console.log(`already replayed  ${formatDeadLetter(letter)}`);
  for (const { letter, code } of result.refused) console.log(`refused ${code}  ${formatDeadLetter(letter)}`);
  console.log(
    `${result.replayed.length} replayed, ${result.alreadyReplayed.length} already replayed, ${result.refused.length} refused`,
  );
  const matched = result.replayed.length + result.alreadyReplayed.length + result.refused.length;
  if (eventId !== undefined && matched === 0) {
    console.error(`no dead letter of event ${eventId} on ${topic}`);
    return 1;
  }
  return result.refused.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    const code =
      typeof error === 'object' && error !== null && 'code' in error ? ` [${String(error.code)}]` : '';
    console.error(`✘ dlq failed${code}:`, error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
