// The Kafka topics of libs/contracts/src/topics.json and their `<name>.dlq` twins, created on the broker.
import fs from 'node:fs';

import { InfraError, logger, paths, sleep } from './common.mjs';
import { brokersFromEnv, kafkaClient, withAdmin } from './kafka.mjs';

/**
 * The topics of libs/contracts/src/topics.json and their `<name>.dlq` twins. Replication factor 1 (the
 * local single broker) unless KAFKA_REPLICATION_FACTOR says otherwise (k8s/ Job against a real cluster).
 */
export function topicSpecs({ replicationFactor = Number(process.env.KAFKA_REPLICATION_FACTOR || 1) } = {}) {
  const file = JSON.parse(fs.readFileSync(paths.topics, 'utf8'));
  const specs = [];
  for (const { name, partitions } of Object.values(file.topics)) {
    specs.push({ topic: name, numPartitions: partitions, replicationFactor });
    specs.push({ topic: `${name}.dlq`, numPartitions: file.dlqPartitions ?? 1, replicationFactor });
  }
  return specs;
}

/** Creates every missing topic (and raises partition counts that are below topics.json). Idempotent. */
export async function ensureTopics({ brokers = brokersFromEnv(), quiet = false } = {}) {
  const log = logger(quiet);
  const specs = topicSpecs();
  return withAdmin(brokers, { connectionTimeout: 3000, retries: 5 }, async (admin) => {
    const deadline = Date.now() + 30_000;
    let created = [];
    for (;;) {
      const existing = new Set(await admin.listTopics());
      const missing = specs.filter((spec) => !existing.has(spec.topic));
      if (missing.length === 0) break;
      try {
        await admin.createTopics({ topics: missing, waitForLeaders: true, timeout: 15_000 });
        created = created.concat(missing.map((spec) => spec.topic));
      } catch (error) {
        // Another process created some concurrently (TOPIC_ALREADY_EXISTS), or the just-started broker
        // is not registered yet (INVALID_REPLICATION_FACTOR): list again and retry.
        if (Date.now() > deadline)
          throw new InfraError(`creating Kafka topics failed: ${describeKafkaError(error)}`);
        await sleep(500);
      }
    }
    const metadata = await admin.fetchTopicMetadata({ topics: specs.map((spec) => spec.topic) });
    const counts = new Map(metadata.topics.map((topic) => [topic.name, topic.partitions.length]));
    const grow = specs.filter((spec) => (counts.get(spec.topic) ?? 0) < spec.numPartitions);
    if (grow.length > 0) {
      await admin.createPartitions({
        topicPartitions: grow.map((spec) => ({ topic: spec.topic, count: spec.numPartitions })),
      });
      log(`  kafka: raised partitions of ${grow.map((spec) => spec.topic).join(', ')}`);
    }
    await warmInternalTopics(brokers, admin);
    const unique = [...new Set(created)];
    log(
      `✔ kafka topics: ${specs.length} present (${specs.length / 2} + .dlq)` +
        (unique.length > 0 ? `, created ${unique.length}` : ''),
    );
    return { topics: specs.map((spec) => spec.topic), created: unique };
  });
}

/** Which topics of topicSpecs() the broker has: {present, missing} (topic names). */
export function topicPresence(brokers) {
  return withAdmin(brokers, { connectionTimeout: 3000 }, async (admin) => {
    const existing = new Set(await admin.listTopics());
    const wanted = topicSpecs().map((spec) => spec.topic);
    return {
      present: wanted.filter((t) => existing.has(t)),
      missing: wanted.filter((t) => !existing.has(t)),
    };
  });
}

/**
 * A fresh broker creates __consumer_offsets / __transaction_state on the first coordinator lookup, and
 * clients log "coordinator not available" while it does. Trigger both once here so tests start clean.
 */
async function warmInternalTopics(brokers, admin) {
  const existing = new Set(await admin.listTopics());
  if (!existing.has('__consumer_offsets')) {
    await admin.describeGroups(['remit-infra-warmup']).catch(() => {});
  }
  if (!existing.has('__transaction_state')) {
    const producer = (await kafkaClient(brokers, { connectionTimeout: 3000, retries: 10 })).producer({
      transactionalId: 'remit-infra-warmup',
      idempotent: true,
      maxInFlightRequests: 1,
    });
    try {
      await producer.connect(); // InitProducerId → transaction coordinator lookup
    } catch {
      // best effort: clients retry on their own
    } finally {
      await producer.disconnect().catch(() => {});
    }
  }
}

function describeKafkaError(error) {
  const inner = error.errors?.map((e) => `${e.topic ?? ''} ${e.type ?? e.message}`).join('; ');
  return inner ? `${error.message} (${inner})` : error.message;
}
