// The Kafka broker's jars: Maven Central artifacts resolved by the machine's Maven from infra/kafka/pom.xml
// into .cache/kafka/libs, once (again when the pom changes).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import { InfraError, ROOT, paths, rel, say, seconds } from './common.mjs';

export const MAVEN_TIMEOUT_MS = 15 * 60_000;
// What a KRaft combined-mode broker needs on its class path (all come transitively from kafka_2.13).
const REQUIRED_JARS = [
  'kafka_2.13',
  'kafka-clients',
  'kafka-server',
  'kafka-server-common',
  'kafka-metadata',
  'kafka-raft',
  'kafka-storage',
  'kafka-storage-api',
  'kafka-group-coordinator',
  'kafka-transaction-coordinator',
  'scala-library',
  'slf4j-api',
  'slf4j-reload4j',
  'reload4j',
];

function jarsFingerprint() {
  const hash = createHash('sha256');
  hash.update(fs.readFileSync(paths.pom));
  return hash.digest('hex').slice(0, 16);
}

const JARS_MARKER = '.resolved';

function missingJars(dir = paths.libs) {
  let files;
  try {
    files = fs.readdirSync(dir);
  } catch {
    return REQUIRED_JARS;
  }
  return REQUIRED_JARS.filter(
    (name) => !files.some((file) => new RegExp(`^${name}-\\d[^/]*\\.jar$`).test(file)),
  );
}

export function jarsReady() {
  try {
    const marker = fs.readFileSync(path.join(paths.libs, JARS_MARKER), 'utf8').trim();
    return marker === jarsFingerprint() && missingJars().length === 0;
  } catch {
    return false;
  }
}

function kafkaVersion() {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(fs.readFileSync(paths.pom, 'utf8'));
  return match ? match[1] : '?';
}

/** Resolves the broker's jars into .cache/kafka/libs with the machine's Maven, once (again if the pom changes). */
export async function ensureKafkaJars() {
  if (jarsReady()) return { downloaded: false };
  const started = Date.now();
  const tmp = `${paths.libs}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  say(
    `… kafka: resolving Apache Kafka ${kafkaVersion()} jars with Maven (${rel(paths.pom)} → ${rel(paths.libs)}); cached afterwards`,
  );
  const args = ['-q', '-B', '-f', paths.pom, 'dependency:copy-dependencies', `-DoutputDirectory=${tmp}`];
  const output = [];
  const status = await new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn('mvn', args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (error) {
      reject(error);
      return;
    }
    const collect = (chunk) => {
      output.push(chunk.toString());
      if (output.length > 400) output.splice(0, output.length - 400);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const heartbeat = setInterval(() => {
      let count = 0;
      try {
        count = fs.readdirSync(tmp).filter((file) => file.endsWith('.jar')).length;
      } catch {
        // not created yet
      }
      say(`  … still resolving (${seconds(Date.now() - started)}, ${count} jars copied so far)`);
    }, 10_000);
    const timer = setTimeout(() => child.kill('SIGTERM'), MAVEN_TIMEOUT_MS);
    const settle = () => {
      clearInterval(heartbeat);
      clearTimeout(timer);
    };
    child.once('error', (error) => {
      settle();
      reject(new InfraError(`cannot run mvn (${error.message}); Maven 3 is required to fetch Kafka's jars`));
    });
    child.once('exit', (code, signal) => {
      settle();
      resolve(signal ? `signal ${signal}` : code);
    });
  });
  const fail = (message) => {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new InfraError(message);
  };
  if (status !== 0) {
    fail(`mvn ${args.join(' ')} failed (${status}):\n${output.join('').split('\n').slice(-40).join('\n')}`);
  }
  const missing = missingJars(tmp);
  if (missing.length > 0) {
    fail(
      `Maven resolved the Kafka jars but these are missing: ${missing.join(', ')} (check ${rel(paths.pom)})`,
    );
  }
  fs.writeFileSync(path.join(tmp, JARS_MARKER), `${jarsFingerprint()}\n`);
  fs.rmSync(paths.libs, { recursive: true, force: true });
  fs.renameSync(tmp, paths.libs);
  const jars = fs.readdirSync(paths.libs).filter((file) => file.endsWith('.jar'));
  const bytes = jars.reduce((sum, file) => sum + fs.statSync(path.join(paths.libs, file)).size, 0);
  say(
    `✔ kafka jars: ${jars.length} jars, ${(bytes / 1048576).toFixed(0)} MiB in ${rel(paths.libs)} (${seconds(Date.now() - started)})`,
  );
  return { downloaded: true };
}
