// The local Apache Kafka broker (KRaft, single node, combined broker + controller) run with the machine's
// Java 17 from the jars of ./kafka-jars.mjs, configured by infra/kafka/server.properties (rendered into
// .run/kafka-server.properties); plus the kafkajs client helpers the topics module shares.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  InfraError,
  KAFKA_CACHE,
  LOCAL_HOSTS,
  ROOT,
  RUN_DIR,
  lib,
  logger,
  paths,
  pollUntil,
  rel,
  say,
  seconds,
  sleep,
  tcpOpen,
} from './common.mjs';
import { MAVEN_TIMEOUT_MS, ensureKafkaJars, jarsReady } from './kafka-jars.mjs';
import {
  isAlive,
  isRunningWith,
  readPid,
  removeFile,
  spawnDetached,
  tail,
  terminate,
  withLockFile,
} from './process.mjs';

export const DEFAULT_BROKERS = '127.0.0.1:9092';

const KAFKA_START_TIMEOUT_MS = 90_000;
const KAFKA_STOP_TIMEOUT_MS = 30_000;
// KAFKA_HEAP_OPTS overrides the heap, as with Kafka's own scripts.
const heapOpts = () => (process.env.KAFKA_HEAP_OPTS || '-Xmx512m -Xms256m').split(/\s+/).filter(Boolean);
const JVM_OPTS = [
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];
const META_PROPERTIES = path.join(paths.data, 'meta.properties');

// ---------------------------------------------------------------------------------------------- client

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

export const brokersFromEnv = () => process.env.KAFKA_BROKERS || DEFAULT_BROKERS;

export async function kafkaClient(
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

/** Runs fn(admin) with a connected kafkajs admin client (options as for kafkaClient), then disconnects it. */
export async function withAdmin(brokers, options, fn) {
  const admin = (await kafkaClient(brokers, options)).admin();
  try {
    await admin.connect();
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
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

// ---------------------------------------------------------------------------------------------- broker

const brokerPid = () => readPid(paths.pidFile);

/** True when pid is the broker this script started (guards against pid reuse). */
const isOurBroker = (pid) => isRunningWith(pid, 'kafka.Kafka', paths.serverProperties);

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
    const meta = fs.readFileSync(META_PROPERTIES, 'utf8');
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
  if (fs.existsSync(META_PROPERTIES)) return false;
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

async function waitForKafka(brokers, { pid, child, deadlineMs = KAFKA_START_TIMEOUT_MS }) {
  const deadline = Date.now() + deadlineMs;
  let exited = null;
  child?.once('exit', (code, signal) => (exited = signal ?? code));
  for (;;) {
    if (await kafkaIsRunning({ brokers })) return;
    if (exited !== null || (!child && !isAlive(pid))) {
      if (brokerPid() === pid) removeFile(paths.pidFile);
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
  const log = logger(quiet);
  if (await kafkaIsRunning({ brokers })) {
    const pid = brokerPid();
    log(`✔ kafka ${brokers}: already running${pid && isOurBroker(pid) ? ` (pid ${pid})` : ''}`);
    return { started: false, pid, ms: Date.now() - started };
  }
  const target = splitHostPort(parseBrokers(brokers)[0]);
  if (!LOCAL_HOSTS.has(target.host)) {
    throw new InfraError(
      `Kafka does not answer on ${brokers} and that is not this machine: start it, or unset KAFKA_BROKERS`,
    );
  }
  const host = target.host === 'localhost' ? '127.0.0.1' : target.host;

  // An O_EXCL lock file so that two processes (npm start, jest) never start two brokers at once.
  const result = await withLockFile(
    paths.startLock,
    async () => {
      if (await kafkaIsRunning({ brokers })) return { started: false, pid: brokerPid() };

      const previous = brokerPid();
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
        if (await pollUntil(() => kafkaIsRunning({ brokers }), { timeoutMs: 15_000, intervalMs: 500 })) {
          return { started: false, pid: null };
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

      const args = [...heapOpts(), ...JVM_OPTS, ...javaArgs('kafka.Kafka', paths.serverProperties)];
      const child = await spawnDetached('java', args, {
        cwd: ROOT,
        logFile: paths.log,
        prevLog: paths.prevLog,
        pidFile: paths.pidFile,
        hint: 'Java 17 is required',
      });
      log(`  kafka: starting broker pid ${child.pid} (log ${rel(paths.log)})`);
      await waitForKafka(brokers, { pid: child.pid, child });
      return { started: true, pid: child.pid };
    },
    {
      waitMs: MAVEN_TIMEOUT_MS + KAFKA_START_TIMEOUT_MS,
      purpose: 'start Kafka',
      onContended: (owner) =>
        say(`  kafka: another process (pid ${owner}) is starting the broker; waiting for it`),
      onWait: () => kafkaIsRunning({ brokers }),
    },
  );

  const ms = Date.now() - started;
  if (result.waited) {
    log(`✔ kafka ${brokers}: started by another process`);
    return { started: false, pid: brokerPid(), ms };
  }
  if (result.started) log(`✔ kafka ${brokers}: started (pid ${result.pid}, KRaft, ${seconds(ms)})`);
  else log(`✔ kafka ${brokers}: already running${result.pid ? ` (pid ${result.pid})` : ''}`);
  return { ...result, ms };
}

/** Stops the broker whose pid is in .run/kafka.pid (SIGTERM, then SIGKILL after 30 s). Nothing else. */
export async function stopKafka({ timeoutMs = KAFKA_STOP_TIMEOUT_MS, quiet = false } = {}) {
  const log = logger(quiet);
  const pid = brokerPid();
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
  const signal = await terminate(pid, {
    timeoutMs,
    onKill: () => log(`  kafka: pid ${pid} still running after ${seconds(timeoutMs)}; SIGKILL`),
  });
  removeFile(paths.pidFile);
  log(`✔ kafka: stopped pid ${pid} (${signal}, ${seconds(Date.now() - started)})`);
  return { stopped: true, pid, signal };
}

/** Stops the broker and deletes its data (topics, offsets); the next `up` formats a fresh log dir. */
export async function resetKafka() {
  await stopKafka();
  fs.rmSync(paths.data, { recursive: true, force: true });
  say(`✔ kafka: data removed (${rel(paths.data)})`);
}

/** The broker's pid file and jars, for `status`: our live broker's pid, whether the pid file is stale. */
export function kafkaProcessStatus() {
  const pid = brokerPid();
  return {
    pid: pid !== null && isOurBroker(pid) ? pid : null,
    stalePidFile: pid !== null && !isOurBroker(pid),
    jars: jarsReady(),
  };
}
