#!/usr/bin/env node
// Local infrastructure of Remit (DESIGN.md, "Running it"): the machine's PostgreSQL and Redis (started only
// if they are down, never stopped), and a real Apache Kafka broker (KRaft, single node) run with the
// machine's Java 17 from Maven Central jars resolved by the machine's Maven (infra/kafka/pom.xml).
//
//   node scripts/infra.mjs up        PostgreSQL + database/schemas, Redis, Kafka, topics (idempotent)
//   node scripts/infra.mjs down      stop the Kafka broker started by this script (nothing else)
//   node scripts/infra.mjs status    what is up; exit 1 when something is down
//   node scripts/infra.mjs topics    create missing topics and their .dlq twins, list them
//   node scripts/infra.mjs migrate   PostgreSQL + database, build (tsc), run every service's migrations
//   node scripts/infra.mjs reset-kafka   stop the broker and delete its data (next `up` starts empty)
//
// From Node:  const infra = await import('./scripts/infra.mjs'); await infra.up();
//
// Files: jars in .cache/kafka/libs, broker data in .cache/kafka/data (cluster id in .cache/kafka/cluster-id),
// rendered config .run/kafka-server.properties, pid .run/kafka.pid, log .run/kafka.log (.run/kafka.prev.log).
// Env: KAFKA_BROKERS (127.0.0.1:9092), DATABASE_URL (postgres://postgres@127.0.0.1:5432/remit),
// REDIS_URL (redis://127.0.0.1:6379/0), KAFKA_HEAP_OPTS (-Xmx512m -Xms256m), KAFKA_REPLICATION_FACTOR (1).
// Only Node built-ins, kafkajs, pg and ioredis (loaded lazily, so `down` works without node_modules).
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const KAFKA_CONF_DIR = path.join(ROOT, 'infra', 'kafka');
const KAFKA_CACHE = path.join(ROOT, '.cache', 'kafka');
const RUN_DIR = path.join(ROOT, '.run');
export const paths = {
  pom: path.join(KAFKA_CONF_DIR, 'pom.xml'),
  serverTemplate: path.join(KAFKA_CONF_DIR, 'server.properties'),
  log4j: path.join(KAFKA_CONF_DIR, 'log4j.properties'),
  libs: path.join(KAFKA_CACHE, 'libs'),
  data: path.join(KAFKA_CACHE, 'data'),
  clusterId: path.join(KAFKA_CACHE, 'cluster-id'),
  serverProperties: path.join(RUN_DIR, 'kafka-server.properties'),
  pidFile: path.join(RUN_DIR, 'kafka.pid'),
  log: path.join(RUN_DIR, 'kafka.log'),
  prevLog: path.join(RUN_DIR, 'kafka.prev.log'),
  startLock: path.join(RUN_DIR, 'kafka.start.lock'),
  topics: path.join(ROOT, 'libs', 'contracts', 'src', 'topics.json'),
};

export const DEFAULT_BROKERS = '127.0.0.1:9092';
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/remit';
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379/0';
export const SERVICE_SCHEMAS = ['intake', 'invoice', 'settlement', 'notification'];

const KAFKA_START_TIMEOUT_MS = 90_000;
const KAFKA_STOP_TIMEOUT_MS = 30_000;
const MAVEN_TIMEOUT_MS = 15 * 60_000;
// KAFKA_HEAP_OPTS overrides the heap, as with Kafka's own scripts.
const heapOpts = () => (process.env.KAFKA_HEAP_OPTS || '-Xmx512m -Xms256m').split(/\s+/).filter(Boolean);
const JVM_OPTS = [
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];
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
const LOCAL_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

// ---------------------------------------------------------------------------------------------- helpers

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const rel = (p) => path.relative(process.cwd(), p) || '.';
const say = (line) => console.log(line);

class InfraError extends Error {
  constructor(message) {
    super(message);
    this.name = 'InfraError';
  }
}

async function lib(name) {
  try {
    return await import(name);
  } catch (error) {
    throw new InfraError(`cannot load the npm package "${name}" (${error.message}); run \`npm ci\` first`);
  }
}

/** Resolves when something accepts a TCP connection on host:port within timeoutMs. */
function tcpOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: host.replace(/^\[|\]$/g, ''), port });
    const done = (open) => {
      socket.removeAllListeners();
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function tail(file, lines = 40) {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '(no log)';
  }
}

function isAlive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  try {
    // A zombie (killed, not yet reaped by its parent) is not a running broker.
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

/** True when pid is the broker this script started (guards against pid reuse). */
function isOurBroker(pid) {
  if (!isAlive(pid)) return false;
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmdline.includes('kafka.Kafka') && cmdline.includes(paths.serverProperties);
  } catch {
    return false;
  }
}

function readPid() {
  try {
    const pid = Number.parseInt(fs.readFileSync(paths.pidFile, 'utf8').trim(), 10);
    return Number.isInteger(pid) ? pid : null;
  } catch {
    return null;
  }
}

function removeFile(file) {
  try {
    fs.unlinkSync(file);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
}

// ---------------------------------------------------------------------------------------------- Kafka

function parseBrokers(brokers) {
  const list = (Array.isArray(brokers) ? brokers : String(brokers).split(','))
    .map((broker) => broker.trim())
    .filter(Boolean);
  if (list.length === 0) throw new InfraError('KAFKA_BROKERS is empty');
  return list;
}

function splitHostPort(broker) {
  const match = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(broker);
  if (!match) throw new InfraError(`bad broker address "${broker}" (expected host:port)`);
  return { host: match[1], port: Number(match[2]) };
}

const brokersFromEnv = () => process.env.KAFKA_BROKERS || DEFAULT_BROKERS;

async function kafkaClient(
  brokers,
  { quiet = true, connectionTimeout = 1500, requestTimeout = 10_000, retries = 0 } = {},
) {
  const { Kafka, logLevel } = await lib('kafkajs');
  return new Kafka({
    clientId: 'remit-infra',
    brokers: parseBrokers(brokers),
    connectionTimeout,
    requestTimeout,
    retry: { retries, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: quiet ? logLevel.NOTHING : logLevel.ERROR,
  });
}

/** Whether a Kafka broker answers on `brokers` (metadata request with a registered broker). */
export async function kafkaIsRunning({ brokers = brokersFromEnv(), timeoutMs = 4000 } = {}) {
  const first = splitHostPort(parseBrokers(brokers)[0]);
  if (!(await tcpOpen(first.host, first.port))) return false;
  const admin = (await kafkaClient(brokers, { requestTimeout: 3000 })).admin();
  let timer;
  const probe = (async () => {
    await admin.connect();
    const cluster = await admin.describeCluster();
    await admin.listTopics();
    return cluster.brokers.length > 0;
  })();
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  try {
    return await Promise.race([probe.catch(() => false), timeout]);
  } finally {
    clearTimeout(timer);
    probe.catch(() => {}).finally(() => admin.disconnect().catch(() => {}));
  }
}

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

function jarsReady() {
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
    child.once('error', (error) => {
      clearInterval(heartbeat);
      clearTimeout(timer);
      reject(new InfraError(`cannot run mvn (${error.message}); Maven 3 is required to fetch Kafka's jars`));
    });
    child.once('exit', (code, signal) => {
      clearInterval(heartbeat);
      clearTimeout(timer);
      resolve(signal ? `signal ${signal}` : code);
    });
  });
  if (status !== 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new InfraError(
      `mvn ${args.join(' ')} failed (${status}):\n${output.join('').split('\n').slice(-40).join('\n')}`,
    );
  }
  const missing = missingJars(tmp);
  if (missing.length > 0) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw new InfraError(
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

function renderServerProperties({ host, port }) {
  const controllerPort = port + 1;
  const text = fs
    .readFileSync(paths.serverTemplate, 'utf8')
    .replaceAll('@LOG_DIRS@', paths.data)
    .replaceAll('@HOST@', host)
    .replaceAll('@BROKER_PORT@', String(port))
    .replaceAll('@CONTROLLER_PORT@', String(controllerPort));
  fs.mkdirSync(RUN_DIR, { recursive: true });
  fs.writeFileSync(paths.serverProperties, text);
  return controllerPort;
}

/** host:port of the PLAINTEXT listener in the rendered .run/kafka-server.properties, if any. */
function renderedBrokerAddress() {
  try {
    const match = /^listeners=PLAINTEXT:\/\/([^,\s]+)/m.exec(fs.readFileSync(paths.serverProperties, 'utf8'));
    return match ? match[1] : null;
  } catch {
    return null;
  }
}

function javaArgs(mainClass, ...args) {
  return [
    '-cp',
    `${paths.libs}${path.sep}*`,
    `-Dlog4j.configuration=${pathToFileURL(paths.log4j).href}`,
    mainClass,
    ...args,
  ];
}

function clusterId() {
  try {
    const meta = fs.readFileSync(path.join(paths.data, 'meta.properties'), 'utf8');
    const match = /^cluster\.id=(.+)$/m.exec(meta);
    if (match) return match[1].trim();
  } catch {
    // not formatted yet
  }
  try {
    const stored = fs.readFileSync(paths.clusterId, 'utf8').trim();
    if (stored) return stored;
  } catch {
    // first run
  }
  // Kafka's Uuid: 16 random bytes, URL-safe base64 without padding (22 chars); never starting with '-'.
  let id;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  fs.mkdirSync(KAFKA_CACHE, { recursive: true });
  fs.writeFileSync(paths.clusterId, `${id}\n`);
  return id;
}

function ensureFormatted() {
  if (fs.existsSync(path.join(paths.data, 'meta.properties'))) return false;
  const id = clusterId();
  fs.mkdirSync(paths.data, { recursive: true });
  const args = javaArgs(
    'kafka.tools.StorageTool',
    'format',
    '-t',
    id,
    '-c',
    paths.serverProperties,
    '--ignore-formatted',
  );
  const result = spawnSync('java', ['-Xmx256m', ...args], { cwd: ROOT, encoding: 'utf8' });
  if (result.error)
    throw new InfraError(`cannot run java (${result.error.message}); Java 17 is required for Kafka`);
  if (result.status !== 0) {
    throw new InfraError(
      `formatting the Kafka storage failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
    );
  }
  say(`  kafka: formatted ${rel(paths.data)} (cluster id ${id})`);
  return true;
}

/** An O_EXCL lock file so that two processes (npm start, jest) never start two brokers at once. */
async function withStartLock(fn, { waitMs = MAVEN_TIMEOUT_MS + KAFKA_START_TIMEOUT_MS, onWait } = {}) {
  fs.mkdirSync(RUN_DIR, { recursive: true });
  const deadline = Date.now() + waitMs;
  let announced = false;
  for (;;) {
    try {
      const fd = fs.openSync(paths.startLock, 'wx');
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let content = '';
      try {
        content = fs.readFileSync(paths.startLock, 'utf8').trim();
      } catch {
        continue; // released meanwhile
      }
      if (content === '') {
        await sleep(100); // the owner has created it but not written its pid yet
        continue;
      }
      const owner = Number.parseInt(content, 10);
      if (!isAlive(owner)) {
        removeFile(paths.startLock); // left behind by a process that died mid-start
        continue;
      }
      if (!announced) {
        say(`  kafka: another process (pid ${owner}) is starting the broker; waiting for it`);
        announced = true;
      }
      if (onWait && (await onWait())) return { waited: true };
      if (Date.now() > deadline)
        throw new InfraError(`timed out waiting for pid ${owner} to start Kafka (${paths.startLock})`);
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    removeFile(paths.startLock);
  }
}

async function waitForKafka(brokers, { pid, child, deadlineMs = KAFKA_START_TIMEOUT_MS }) {
  const deadline = Date.now() + deadlineMs;
  let exited = null;
  child?.once('exit', (code, signal) => (exited = signal ?? code));
  for (;;) {
    if (await kafkaIsRunning({ brokers })) return;
    if (exited !== null || (!child && !isAlive(pid))) {
      if (readPid() === pid) removeFile(paths.pidFile);
      throw new InfraError(
        `the Kafka broker (pid ${pid}) exited during start-up (${exited ?? 'dead'}); last lines of ${rel(paths.log)}:\n${tail(paths.log)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new InfraError(
        `Kafka did not answer on ${brokers} within ${seconds(deadlineMs)} (pid ${pid} still running; ` +
          `\`node scripts/infra.mjs down\` stops it); last lines of ${rel(paths.log)}:\n${tail(paths.log)}`,
      );
    }
    await sleep(500);
  }
}

/**
 * Starts the local Kafka broker unless one already answers on `brokers`. Idempotent; recovers from a
 * dead broker (stale pid file after kill -9). Returns {started, pid?, ms}.
 */
export async function ensureKafka({ brokers = brokersFromEnv(), quiet = false } = {}) {
  const started = Date.now();
  const log = quiet ? () => {} : say;
  if (await kafkaIsRunning({ brokers })) {
    const pid = readPid();
    log(`✔ kafka ${brokers}: already running${pid && isOurBroker(pid) ? ` (pid ${pid})` : ''}`);
    return { started: false, pid: readPid(), ms: Date.now() - started };
  }
  const target = splitHostPort(parseBrokers(brokers)[0]);
  if (!LOCAL_HOSTS.has(target.host)) {
    throw new InfraError(
      `Kafka does not answer on ${brokers} and that is not this machine: start it, or unset KAFKA_BROKERS`,
    );
  }
  const host = target.host === 'localhost' ? '127.0.0.1' : target.host;

  const result = await withStartLock(
    async () => {
      if (await kafkaIsRunning({ brokers })) return { started: false, pid: readPid() };

      const previous = readPid();
      if (previous !== null) {
        if (isOurBroker(previous)) {
          const listening = renderedBrokerAddress();
          if (listening && listening !== `${host}:${target.port}`) {
            throw new InfraError(
              `the local broker (pid ${previous}) listens on ${listening}, not ${host}:${target.port}: ` +
                `use KAFKA_BROKERS=${listening}, or \`node scripts/infra.mjs down\` first`,
            );
          }
          log(`  kafka: broker pid ${previous} is running but not answering yet; waiting`);
          await waitForKafka(brokers, { pid: previous });
          return { started: false, pid: previous };
        }
        log(`  kafka: previous broker (pid ${previous}) is gone (stale pid file); starting a new one`);
        removeFile(paths.pidFile);
      }
      if (await tcpOpen(host, target.port)) {
        // Something listens on the port but does not answer as a Kafka broker (yet): give it a moment.
        const deadline = Date.now() + 15_000;
        while (Date.now() < deadline) {
          if (await kafkaIsRunning({ brokers })) return { started: false, pid: null };
          await sleep(500);
        }
        throw new InfraError(
          `port ${target.port} is taken by a process that is not a responsive Kafka broker (not ours)`,
        );
      }

      await ensureKafkaJars();
      const controllerPort = renderServerProperties({ host, port: target.port });
      if (await tcpOpen(host, controllerPort)) {
        throw new InfraError(`the controller port ${host}:${controllerPort} is taken by another process`);
      }
      ensureFormatted();

      if (fs.existsSync(paths.log)) fs.renameSync(paths.log, paths.prevLog);
      const out = fs.openSync(paths.log, 'a');
      const args = [...heapOpts(), ...JVM_OPTS, ...javaArgs('kafka.Kafka', paths.serverProperties)];
      const child = spawn('java', args, { cwd: ROOT, detached: true, stdio: ['ignore', out, out] });
      fs.closeSync(out);
      await new Promise((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (error) =>
          reject(new InfraError(`cannot run java (${error.message}); Java 17 is required`)),
        );
      });
      child.unref();
      fs.writeFileSync(paths.pidFile, `${child.pid}\n`);
      log(`  kafka: starting broker pid ${child.pid} (log ${rel(paths.log)})`);
      await waitForKafka(brokers, { pid: child.pid, child });
      return { started: true, pid: child.pid };
    },
    { onWait: () => kafkaIsRunning({ brokers }) },
  );

  const ms = Date.now() - started;
  if (result.waited) {
    log(`✔ kafka ${brokers}: started by another process`);
    return { started: false, pid: readPid(), ms };
  }
  if (result.started) log(`✔ kafka ${brokers}: started (pid ${result.pid}, KRaft, ${seconds(ms)})`);
  else log(`✔ kafka ${brokers}: already running${result.pid ? ` (pid ${result.pid})` : ''}`);
  return { ...result, ms };
}

/** Stops the broker whose pid is in .run/kafka.pid (SIGTERM, then SIGKILL after 30 s). Nothing else. */
export async function stopKafka({ timeoutMs = KAFKA_STOP_TIMEOUT_MS, quiet = false } = {}) {
  const log = quiet ? () => {} : say;
  const pid = readPid();
  if (pid === null) {
    log('✔ kafka: not running (no pid file)');
    return { stopped: false };
  }
  if (!isOurBroker(pid)) {
    removeFile(paths.pidFile);
    log(`✔ kafka: not running (stale pid file for pid ${pid} removed)`);
    return { stopped: false };
  }
  const started = Date.now();
  process.kill(pid, 'SIGTERM');
  let signal = 'SIGTERM';
  while (isAlive(pid)) {
    if (Date.now() - started > timeoutMs) {
      log(`  kafka: pid ${pid} still running after ${seconds(timeoutMs)}; SIGKILL`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // exited meanwhile
      }
      signal = 'SIGKILL';
      while (isAlive(pid) && Date.now() - started < timeoutMs + 10_000) await sleep(100);
      break;
    }
    await sleep(200);
  }
  removeFile(paths.pidFile);
  log(`✔ kafka: stopped pid ${pid} (${signal}, ${seconds(Date.now() - started)})`);
  return { stopped: true, pid, signal };
}

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
  const log = quiet ? () => {} : say;
  const specs = topicSpecs();
  const admin = (await kafkaClient(brokers, { connectionTimeout: 3000, retries: 5 })).admin();
  await admin.connect();
  try {
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
  } finally {
    await admin.disconnect().catch(() => {});
  }
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

// ---------------------------------------------------------------------------------------------- PostgreSQL

const databaseUrlFromEnv = () => process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function databaseName(url) {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

async function pgQuery(url, fn) {
  const { default: pg } = await lib('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function postgresAnswers(url) {
  try {
    await pgQuery(withDatabase(url, 'postgres'), (client) => client.query('SELECT 1'));
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

function pgHostPort(url) {
  const parsed = new URL(url);
  return { host: parsed.hostname || '127.0.0.1', port: Number(parsed.port || 5432) };
}

/** Checks PostgreSQL answers (user from DATABASE_URL, db `postgres`); starts the machine's cluster if it is down. */
export async function ensurePostgres({ url = databaseUrlFromEnv(), quiet = false } = {}) {
  const log = quiet ? () => {} : say;
  const { host, port } = pgHostPort(url);
  let check = await postgresAnswers(url);
  if (check.ok) return { started: false };
  if (await tcpOpen(host, port)) {
    throw new InfraError(`PostgreSQL on ${host}:${port} refuses the connection: ${check.error.message}`);
  }
  if (!LOCAL_HOSTS.has(host))
    throw new InfraError(`PostgreSQL on ${host}:${port} is down and not on this machine`);
  let versions = [];
  try {
    versions = fs.readdirSync('/etc/postgresql').sort();
  } catch {
    // no Debian cluster layout
  }
  if (versions.length === 0)
    throw new InfraError(`PostgreSQL is down on ${host}:${port} and /etc/postgresql has no cluster`);
  const version = versions.at(-1);
  log(`  postgres: down; starting cluster ${version}/main`);
  const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
    encoding: 'utf8',
  });
  if (result.status !== 0 && !/already running/i.test(`${result.stdout}${result.stderr}`)) {
    throw new InfraError(
      `pg_ctlcluster ${version} main start failed (${result.error?.message ?? result.status}): ${result.stderr}`,
    );
  }
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    check = await postgresAnswers(url);
    if (check.ok) return { started: true };
    await sleep(500);
  }
  throw new InfraError(`PostgreSQL did not answer on ${host}:${port} within 30 s: ${check.error?.message}`);
}

/** Creates database `name` if missing (via the `postgres` db) and the four service schemas in it. */
export async function ensureDatabase(name, { url = databaseUrlFromEnv(), schemas = SERVICE_SCHEMAS } = {}) {
  const database = name ?? databaseName(url);
  const { default: pg } = await lib('pg');
  let created = false;
  await pgQuery(withDatabase(url, 'postgres'), async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount > 0) return;
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
      created = true;
    } catch (error) {
      // 42P04 duplicate_database / 23505: created concurrently by another process.
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    }
  });
  await pgQuery(withDatabase(url, database), async (client) => {
    for (const schema of schemas) {
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
      } catch (error) {
        if (error.code !== '23505' && error.code !== '42P06') throw error;
      }
    }
  });
  return { database, created, schemas };
}

// ---------------------------------------------------------------------------------------------- Redis

const redisUrlFromEnv = () => process.env.REDIS_URL || DEFAULT_REDIS_URL;

async function redisAnswers(url) {
  const { Redis } = await lib('ioredis');
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

/** PINGs Redis (REDIS_URL); starts the machine's redis-server if it is down. */
export async function ensureRedis({ url = redisUrlFromEnv(), quiet = false } = {}) {
  const log = quiet ? () => {} : say;
  if (await redisAnswers(url)) return { started: false };
  const parsed = new URL(url);
  const host = parsed.hostname || '127.0.0.1';
  const port = Number(parsed.port || 6379);
  if (!LOCAL_HOSTS.has(host))
    throw new InfraError(`Redis on ${host}:${port} is down and not on this machine`);
  if (await tcpOpen(host, port))
    throw new InfraError(`something listens on ${host}:${port} but does not answer PING (password?)`);
  log(`  redis: down; starting redis-server on port ${port}`);
  for (const dir of ['/var/lib/redis', '/var/log/redis']) fs.mkdirSync(dir, { recursive: true });
  const result = spawnSync(
    'redis-server',
    [
      '--daemonize',
      'yes',
      '--bind',
      '127.0.0.1',
      '-::1',
      '--port',
      String(port),
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      '/var/lib/redis',
      '--logfile',
      '/var/log/redis/ci.log',
    ],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new InfraError(
      `redis-server failed to start (${result.error?.message ?? result.status}): ${result.stderr}${result.stdout}`,
    );
  }
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (await redisAnswers(url)) return { started: true };
    await sleep(300);
  }
  throw new InfraError(`Redis did not answer on ${host}:${port} within 20 s (see /var/log/redis/ci.log)`);
}

// ---------------------------------------------------------------------------------------------- up / down / status

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
  const log = quiet ? () => {} : say;
  const pgTarget = pgHostPort(databaseUrl);
  const pg = await ensurePostgres({ url: databaseUrl, quiet });
  const db = await ensureDatabase(undefined, { url: databaseUrl });
  log(
    `✔ postgres ${pgTarget.host}:${pgTarget.port} (database ${db.database}${db.created ? ' created' : ''}` +
      `, schemas ${db.schemas.join(', ')}${pg.started ? '; server started' : ''})`,
  );
  const redis = await ensureRedis({ url: redisUrl, quiet });
  const redisTarget = new URL(redisUrl);
  log(
    `✔ redis ${redisTarget.hostname}:${redisTarget.port || 6379}${redis.started ? ' (server started)' : ''}`,
  );
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
  const pg = await postgresAnswers(databaseUrl);
  let database = null;
  if (pg.ok) {
    const name = databaseName(databaseUrl);
    database = await pgQuery(withDatabase(databaseUrl, 'postgres'), async (client) => {
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      return { name, exists: found.rowCount > 0 };
    });
  }
  const redis = await redisAnswers(redisUrl);
  const kafka = await kafkaIsRunning({ brokers });
  const pid = readPid();
  let topics = null;
  if (kafka) {
    const admin = (await kafkaClient(brokers, { connectionTimeout: 3000 })).admin();
    try {
      await admin.connect();
      const existing = new Set(await admin.listTopics());
      const wanted = topicSpecs().map((spec) => spec.topic);
      topics = {
        present: wanted.filter((t) => existing.has(t)),
        missing: wanted.filter((t) => !existing.has(t)),
      };
    } finally {
      await admin.disconnect().catch(() => {});
    }
  }
  return {
    postgres: {
      url: databaseUrl.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'),
      up: pg.ok,
      database,
      error: pg.error?.message,
    },
    redis: { url: redisUrl, up: redis },
    kafka: {
      brokers,
      up: kafka,
      pid: pid !== null && isOurBroker(pid) ? pid : null,
      stalePidFile: pid !== null && !isOurBroker(pid),
      jars: jarsReady(),
      topics,
    },
  };
}

/** Stops the broker and deletes its data (topics, offsets); the next `up` formats a fresh log dir. */
export async function resetKafka() {
  await stopKafka();
  fs.rmSync(paths.data, { recursive: true, force: true });
  say(`✔ kafka: data removed (${rel(paths.data)})`);
}

/** `npm run migrate`: PostgreSQL and the database, a build, then every service's migrations. */
export async function migrate({ databaseUrl = databaseUrlFromEnv() } = {}) {
  await ensurePostgres({ url: databaseUrl });
  const db = await ensureDatabase(undefined, { url: databaseUrl });
  say(`✔ postgres (database ${db.database})`);
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  const run = (command, args) => {
    const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
    if (result.status !== 0)
      throw new InfraError(`${command} ${args.join(' ')} failed (${result.error?.message ?? result.status})`);
  };
  run('npx', ['tsc', '-p', 'tsconfig.build.json']);
  run('node', ['-r', './scripts/register-aliases.js', 'dist/tools/migrate.js']);
}

// ---------------------------------------------------------------------------------------------- CLI

async function cli(command) {
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
      await resetKafka();
      return 0;
    default:
      console.error('usage: node scripts/infra.mjs up | down | status | topics | migrate | reset-kafka');
      return 2;
  }
}

const invokedDirectly = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly) {
  cli(process.argv[2])
    .then((code) => process.exit(code))
    .catch((error) => {
      console.error(
        `✘ infra ${process.argv[2] ?? ''}: ${error instanceof InfraError ? error.message : (error.stack ?? error)}`,
      );
      process.exit(1);
    });
}
