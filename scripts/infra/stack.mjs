// The whole local stack at once: `up`, `down` and `status` over PostgreSQL, Redis, Kafka and its topics.
import { logger } from './common.mjs';
import {
  KAFKA_INSTANCES,
  brokersFromEnv,
  defaultKafkaInstance,
  ensureKafka,
  kafkaIsRunning,
  kafkaProcessStatus,
  stopKafka,
} from './kafka.mjs';
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
 * the Kafka broker and its topics. Options override the environment; `kafka` is the broker instance
 * (kafka.mjs: the default one on KAFKA_BROKERS, or one of KAFKA_INSTANCES), `brokers` its address.
 */
export async function up({
  databaseUrl = databaseUrlFromEnv(),
  redisUrl = redisUrlFromEnv(),
  kafka: instance = defaultKafkaInstance(),
  brokers = instance.brokers,
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
  const kafka = await ensureKafka({ instance, brokers, quiet });
  const topics = await ensureTopics({ brokers, quiet });
  return { postgres: { ...pg, ...db }, redis, kafka, topics };
}

/**
 * Stops the Kafka brokers this checkout started: the default one, and those of bench:flow and the chaos
 * run (KAFKA_INSTANCES) if they run. PostgreSQL and Redis belong to the machine and keep running.
 * Returns the default broker's result, with the others' under `instances`.
 */
export async function down(options = {}) {
  const result = await stopKafka(options);
  const instances = {};
  for (const [name, instance] of Object.entries(KAFKA_INSTANCES)) {
    instances[name] = await stopKafka({ ...options, instance, ifStarted: true });
  }
  return { ...result, instances };
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
  // The other instances' brokers, when this checkout started them (they are not needed by `up`).
  const instances = [];
  for (const instance of Object.values(KAFKA_INSTANCES)) {
    const own = kafkaProcessStatus({ instance });
    if (own.pid === null && !own.stalePidFile) continue;
    instances.push({
      name: instance.name,
      label: instance.label,
      brokers: instance.brokers,
      up: await kafkaIsRunning({ brokers: instance.brokers }),
      pid: own.pid,
      stalePidFile: own.stalePidFile,
    });
  }
  return {
    postgres,
    redis: { url: redisUrl, up: redis },
    kafka: { brokers, up: kafka, pid, stalePidFile, jars, topics },
    kafkaInstances: instances,
  };
}
