#!/usr/bin/env node
// Local infrastructure of Remit (docs/architecture.md, "Running it"): the machine's PostgreSQL and Redis
// (started only if they are down, never stopped), and a real Apache Kafka broker (KRaft, single node) run
// with the machine's Java 17 from Maven Central jars resolved by the machine's Maven (infra/kafka/pom.xml).
//
//   node scripts/infra.mjs up        PostgreSQL + database/schemas, Redis, Kafka, topics (idempotent)
//   node scripts/infra.mjs down      stop the Kafka brokers started by this script (nothing else): the
//                                    default one, and bench:flow's and the chaos run's if they run
//   node scripts/infra.mjs status    what is up; exit 1 when something is down
//   node scripts/infra.mjs topics    create missing topics and their .dlq twins, list them
//   node scripts/infra.mjs migrate   PostgreSQL + database, build (tsc), run every service's migrations
//   node scripts/infra.mjs reset-kafka [bench|chaos]   stop the (default, or bench:flow's / the chaos run's)
//                                    broker and delete its data (its next start is empty)
//
// From Node:  const infra = await import('./scripts/infra.mjs'); await infra.up();
//
// This file is the entry point (CLI and public API); the work is done in scripts/infra/:
//   common.mjs (paths, output, errors, TCP/polling helpers), process.mjs (pid files, start lock, detached
//   spawn, stop), kafka-jars.mjs (Maven-resolved jars), kafka.mjs (broker), topics.mjs, postgres.mjs
//   (incl. migrate), redis.mjs, stack.mjs (up/down/status).
//
// Files: jars in .cache/kafka/libs, broker data in .cache/kafka/data (cluster id in .cache/kafka/cluster-id),
// rendered config .run/kafka-server.properties, pid .run/kafka.pid, log .run/kafka.log (.run/kafka.prev.log).
// bench:flow's broker (127.0.0.1:9094) and the chaos run's (127.0.0.1:9096) are other instances of it, from the
// same jars, with all their files in .run/bench-kafka/ and .run/chaos-kafka/ (infra/kafka.mjs, KAFKA_INSTANCES).
// Env: KAFKA_BROKERS (127.0.0.1:9092), DATABASE_URL (postgres://postgres@127.0.0.1:5432/remit),
// REDIS_URL (redis://127.0.0.1:6379/0), KAFKA_HEAP_OPTS (-Xmx512m -Xms256m), KAFKA_REPLICATION_FACTOR (1).
// Only Node built-ins, kafkajs, pg and ioredis (loaded lazily, so `down` works without node_modules).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { InfraError, say, seconds } from './infra/common.mjs';
import { brokersFromEnv, kafkaInstance, kafkaIsRunning, resetKafka } from './infra/kafka.mjs';
import { migrate } from './infra/postgres.mjs';
import { down, status, up } from './infra/stack.mjs';
import { ensureTopics } from './infra/topics.mjs';

export { ROOT, paths } from './infra/common.mjs';
export { ensureKafkaJars } from './infra/kafka-jars.mjs';
export {
  DEFAULT_BROKERS,
  KAFKA_INSTANCES,
  defaultKafkaInstance,
  ensureKafka,
  kafkaInstance,
  kafkaIsRunning,
  resetKafka,
  stopKafka,
} from './infra/kafka.mjs';
export { ensureTopics, topicSpecs } from './infra/topics.mjs';
export {
  DEFAULT_DATABASE_URL,
  SERVICE_SCHEMAS,
  ensureDatabase,
  ensurePostgres,
  migrate,
} from './infra/postgres.mjs';
export { DEFAULT_REDIS_URL, ensureRedis } from './infra/redis.mjs';
export { down, status, up } from './infra/stack.mjs';

// ---------------------------------------------------------------------------------------------- CLI

async function cli(command, ...args) {
  switch (command) {
    case 'up': {
      const started = Date.now();
      await up();
      say(`infrastructure ready in ${seconds(Date.now() - started)}`);
      return 0;
    }
    case 'down':
      await down();
      return 0;
    case 'topics': {
      const brokers = brokersFromEnv();
      if (!(await kafkaIsRunning({ brokers })))
        throw new InfraError(`Kafka does not answer on ${brokers}; run \`node scripts/infra.mjs up\``);
      const { topics } = await ensureTopics({ brokers });
      for (const topic of topics) say(`  ${topic}`);
      return 0;
    }
    case 'status': {
      const s = await status();
      const mark = (ok) => (ok ? '✔' : '✘');
      say(
        `${mark(s.postgres.up)} postgres ${s.postgres.url}: ${s.postgres.up ? 'up' : `down (${s.postgres.error})`}` +
          (s.postgres.database
            ? `, database ${s.postgres.database.name} ${s.postgres.database.exists ? 'exists' : 'missing'}`
            : ''),
      );
      say(`${mark(s.redis.up)} redis ${s.redis.url}: ${s.redis.up ? 'up' : 'down'}`);
      say(
        `${mark(s.kafka.up)} kafka ${s.kafka.brokers}: ${s.kafka.up ? 'up' : 'down'}` +
          (s.kafka.pid
            ? ` (pid ${s.kafka.pid}, started by this script)`
            : s.kafka.up
              ? ' (not started by this script)'
              : '') +
          (s.kafka.stalePidFile ? ' (stale pid file)' : '') +
          (s.kafka.jars ? '' : ', jars not downloaded yet'),
      );
      for (const other of s.kafkaInstances) {
        // Not needed by `up`: shown, never counted as down.
        say(
          `${mark(other.up)} ${other.label} ${other.brokers}: ${other.up ? 'up' : 'down'}` +
            (other.pid ? ` (pid ${other.pid}, started by this script)` : '') +
            (other.stalePidFile ? ' (stale pid file)' : ''),
        );
      }
      if (s.kafka.topics) {
        say(
          `${mark(s.kafka.topics.missing.length === 0)} kafka topics: ${s.kafka.topics.present.length} present` +
            (s.kafka.topics.missing.length ? `, missing ${s.kafka.topics.missing.join(', ')}` : ''),
        );
      }
      const allUp =
        s.postgres.up &&
        s.postgres.database?.exists &&
        s.redis.up &&
        s.kafka.up &&
        s.kafka.topics?.missing.length === 0;
      return allUp ? 0 : 1;
    }
    case 'migrate':
      await migrate();
      return 0;
    case 'reset-kafka':
      await resetKafka({ instance: kafkaInstance(args[0] ?? 'default') });
      return 0;
    default:
      console.error(
        'usage: node scripts/infra.mjs up | down | status | topics | migrate | reset-kafka [bench|chaos]',
      );
      return 2;
  }
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
// The CLI runs the local infrastructure (`npm run migrate` too): an unset NODE_ENV would mean production.
if (invokedDirectly) process.env.NODE_ENV ??= 'development';
if (invokedDirectly) {
  cli(...process.argv.slice(2))
    .then((code) => process.exit(code))
    .catch((error) => {
      console.error(
        `✘ infra ${process.argv[2] ?? ''}: ${error instanceof InfraError ? error.message : (error.stack ?? error)}`,
      );
      process.exit(1);
    });
}
