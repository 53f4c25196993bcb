// The whole local stack at once: `up`, `down` and `status` over PostgreSQL, Redis, Kafka and its topics.
import { logger } from './common.mjs';
import { brokersFromEnv, ensureKafka, kafkaIsRunning, kafkaProcessStatus, stopKafka } from './kafka.mjs';
import {
  databaseUrlFromEnv,
  ensureDatabase,
  ensurePostgres,
  pgHostPort,
  postgresStatus,
} from './postgres.mjs';
import { ensureRedis, redisAnswers, redisHostPort, redisUrlFromEnv } from './redis.mjs';
import { ensureTopics, topicPresence } from './topics.mjs';

/**
 * Everything the services and tests need, idempotently: PostgreSQL (+ database and schemas), Redis,
 * the Kafka broker and its topics. Options override the environment.
 */
export async function up({
  databaseUrl = databaseUrlFromEnv(),
  redisUrl = redisUrlFromEnv(),
  brokers = brokersFromEnv(),
  quiet = false,
} = {}) {
  const log = logger(quiet);
  const pgTarget = pgHostPort(databaseUrl);
  const pg = await ensurePostgres({ url: databaseUrl, quiet });
  const db = await ensureDatabase(undefined, { url: databaseUrl });
  log(
    `✔ postgres ${pgTarget.host}:${pgTarget.port} (database ${db.database}${db.created ? ' created' : ''}` +
      `, schemas ${db.schemas.join(', ')}${pg.started ? '; server started' : ''})`,
  );
  const redis = await ensureRedis({ url: redisUrl, quiet });
  const redisTarget = redisHostPort(redisUrl);
  log(`✔ redis ${redisTarget.host}:${redisTarget.port}${redis.started ? ' (server started)' : ''}`);
  const kafka = await ensureKafka({ brokers, quiet });
  const topics = await ensureTopics({ brokers, quiet });
  return { postgres: { ...pg, ...db }, redis, kafka, topics };
}

/** Stops the Kafka broker this script started. PostgreSQL and Redis belong to the machine and keep running. */
export async function down(options = {}) {
  return stopKafka(options);
}

export async function status({
  databaseUrl = databaseUrlFromEnv(),
  redisUrl = redisUrlFromEnv(),
  brokers = brokersFromEnv(),
} = {}) {
  const postgres = await postgresStatus(databaseUrl);
  const redis = await redisAnswers(redisUrl);
  const kafka = await kafkaIsRunning({ brokers });
  const { pid, stalePidFile, jars } = kafkaProcessStatus();
  const topics = kafka ? await topicPresence(brokers) : null;
  return {
    postgres,
    redis: { url: redisUrl, up: redis },
    kafka: { brokers, up: kafka, pid, stalePidFile, jars, topics },
  };
}
