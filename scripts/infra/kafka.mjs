// The local Apache Kafka brokers (KRaft, single node, combined broker + controller) run with the machine's
// Java 17 from the jars of ./kafka-jars.mjs, configured by infra/kafka/server.properties; plus the kafkajs
// client helpers the topics module shares.
//
// A broker is an instance: the address it listens on and a set of files (data, cluster id, rendered
// properties, pid, log, start lock). The default one, used by `npm start`, the tests and
// `node scripts/infra.mjs up`, listens on KAFKA_BROKERS with its files at the fixed paths of common.mjs
// (.cache/kafka/data, .run/kafka-server.properties, .run/kafka.pid, .run/kafka.log). bench:flow and the chaos
// run each have their own (KAFKA_INSTANCES), so that their events never reach the topics of the others.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import {
  InfraError,
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

// ---------------------------------------------------------------------------------------------- instances

/** The files of an instance kept together in `dir` (under .run/): data, cluster id, config, pid, log, lock. */
function instanceFiles(dir) {
  return {
    dir,
    data: path.join(dir, 'data'),
    clusterId: path.join(dir, 'cluster-id'),
    serverProperties: path.join(dir, 'server.properties'),
    pidFile: path.join(dir, 'kafka.pid'),
    log: path.join(dir, 'kafka.log'),
    prevLog: path.join(dir, 'kafka.prev.log'),
    startLock: path.join(dir, 'kafka.start.lock'),
  };
}

/** The default broker's files, at the paths they have always had (common.mjs). */
const DEFAULT_FILES = {
  dir: RUN_DIR,
  data: paths.data,
  clusterId: paths.clusterId,
  serverProperties: paths.serverProperties,
  pidFile: paths.pidFile,
  log: paths.log,
  prevLog: paths.prevLog,
  startLock: paths.startLock,
};

/** The broker of `npm start`, the tests and `infra.mjs up`: KAFKA_BROKERS (127.0.0.1:9092), files as ever. */
export const defaultKafkaInstance = () => ({
  name: 'default',
  label: 'kafka',
  brokers: brokersFromEnv(),
  files: DEFAULT_FILES,
});

/**
 * The brokers of the scripts that publish thousands of events: each has its own port (the controller on
 * the next one; clear of 9092/9093 and of the 9x92/9x93 that other checkouts use) and its own directory
 * under .run/. Started by their script when not running, from the same jars; left running afterwards
 * (`node scripts/infra.mjs down` stops them with the default broker).
 */
export const KAFKA_INSTANCES = {
  bench: {
    name: 'bench',
    label: 'kafka (bench:flow)',
    brokers: '127.0.0.1:9094',
    files: instanceFiles(path.join(RUN_DIR, 'bench-kafka')),
  },
  chaos: {
    name: 'chaos',
    label: 'kafka (chaos)',
    brokers: '127.0.0.1:9096',
    files: instanceFiles(path.join(RUN_DIR, 'chaos-kafka')),
  },
};

/** The instance called `name` ('default', 'bench', 'chaos'); an InfraError for any other name. */
export function kafkaInstance(name = 'default') {
  if (name === 'default') return defaultKafkaInstance();
  const instance = KAFKA_INSTANCES[name];
  if (!instance)
    throw new InfraError(`no Kafka instance "${name}" (default, ${Object.keys(KAFKA_INSTANCES).join(', ')})`);
  return instance;
}

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

const brokerPid = (files) => readPid(files.pidFile);

/** True when pid is the broker this script started with `files` (guards against pid reuse). */
const isOurBroker = (pid, files) => isRunningWith(pid, 'kafka.Kafka', files.serverProperties);

function renderServerProperties(files, { host, port }) {
  const controllerPort = port + 1;
  const text = fs
    .readFileSync(paths.serverTemplate, 'utf8')
    .replaceAll('@LOG_DIRS@', files.data)
    .replaceAll('@HOST@', host)
    .replaceAll('@BROKER_PORT@', String(port))
    .replaceAll('@CONTROLLER_PORT@', String(controllerPort));
  fs.mkdirSync(path.dirname(files.serverProperties), { recursive: true });
  fs.writeFileSync(files.serverProperties, text);
  return controllerPort;
}

/** host:port of the PLAINTEXT listener in the instance's rendered server properties, if any. */
function renderedBrokerAddress(files) {
  try {
    const match = /^listeners=PLAINTEXT:\/\/([^,\s]+)/m.exec(fs.readFileSync(files.serverProperties, 'utf8'));
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

function clusterId(files) {
  try {
    const meta = fs.readFileSync(path.join(files.data, 'meta.properties'), 'utf8');
    const match = /^cluster\.id=(.+)$/m.exec(meta);
    if (match) return match[1].trim();
  } catch {
    // not formatted yet
  }
  try {
    const stored = fs.readFileSync(files.clusterId, 'utf8').trim();
    if (stored) return stored;
  } catch {
    // first run
  }
  // Kafka's Uuid: 16 random bytes, URL-safe base64 without padding (22 chars); never starting with '-'.
  let id;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  fs.mkdirSync(path.dirname(files.clusterId), { recursive: true });
  fs.writeFileSync(files.clusterId, `${id}\n`);
  return id;
}

function ensureFormatted(files, label) {
  if (fs.existsSync(path.join(files.data, 'meta.properties'))) return false;
  const id = clusterId(files);
  fs.mkdirSync(files.data, { recursive: true });
  const args = javaArgs(
    'kafka.tools.StorageTool',
    'format',
    '-t',
    id,
    '-c',
    files.serverProperties,
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
  say(`  ${label}: formatted ${rel(files.data)} (cluster id ${id})`);
  return true;
}

async function waitForKafka(brokers, files, { pid, child, deadlineMs = KAFKA_START_TIMEOUT_MS }) {
  const deadline = Date.now() + deadlineMs;
  let exited = null;
  child?.once('exit', (code, signal) => (exited = signal ?? code));
  for (;;) {
    if (await kafkaIsRunning({ brokers })) return;
    if (exited !== null || (!child && !isAlive(pid))) {
      if (brokerPid(files) === pid) removeFile(files.pidFile);
      throw new InfraError(
        `the Kafka broker (pid ${pid}) exited during start-up (${exited ?? 'dead'}); last lines of ${rel(files.log)}:\n${tail(files.log)}`,
      );
    }
    if (Date.now() > deadline) {
      throw new InfraError(
        `Kafka did not answer on ${brokers} within ${seconds(deadlineMs)} (pid ${pid} still running; ` +
          `\`node scripts/infra.mjs down\` stops it); last lines of ${rel(files.log)}:\n${tail(files.log)}`,
      );
    }
    await sleep(500);
  }
}

/**
 * Starts a local Kafka broker unless one already answers on `brokers`. Idempotent; recovers from a
 * dead broker (stale pid file after kill -9). `instance` (default: defaultKafkaInstance(), on
 * KAFKA_BROKERS) says where its files are; `brokers` defaults to the instance's. Returns {started, pid?, ms}.
 */
export async function ensureKafka({ instance = defaultKafkaInstance(), brokers, quiet = false } = {}) {
  brokers ??= instance.brokers;
  const { files, label } = instance;
  const started = Date.now();
  const log = logger(quiet);
  if (await kafkaIsRunning({ brokers })) {
    const pid = brokerPid(files);
    log(`✔ ${label} ${brokers}: already running${pid && isOurBroker(pid, files) ? ` (pid ${pid})` : ''}`);
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
    files.startLock,
    async () => {
      if (await kafkaIsRunning({ brokers })) return { started: false, pid: brokerPid(files) };

      const previous = brokerPid(files);
      if (previous !== null) {
        if (isOurBroker(previous, files)) {
          const listening = renderedBrokerAddress(files);
          if (listening && listening !== `${host}:${target.port}`) {
            throw new InfraError(
              `the local broker (pid ${previous}, ${rel(files.serverProperties)}) listens on ${listening}, ` +
                `not ${host}:${target.port}: ` +
                (instance.name === 'default' ? `use KAFKA_BROKERS=${listening}, or ` : '') +
                '`node scripts/infra.mjs down` first',
            );
          }
          log(`  ${label}: broker pid ${previous} is running but not answering yet; waiting`);
          await waitForKafka(brokers, files, { pid: previous });
          return { started: false, pid: previous };
        }
        log(`  ${label}: previous broker (pid ${previous}) is gone (stale pid file); starting a new one`);
        removeFile(files.pidFile);
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
      const controllerPort = renderServerProperties(files, { host, port: target.port });
      if (await tcpOpen(host, controllerPort)) {
        throw new InfraError(`the controller port ${host}:${controllerPort} is taken by another process`);
      }
      ensureFormatted(files, label);

      const args = [...heapOpts(), ...JVM_OPTS, ...javaArgs('kafka.Kafka', files.serverProperties)];
      const child = await spawnDetached('java', args, {
        cwd: ROOT,
        logFile: files.log,
        prevLog: files.prevLog,
        pidFile: files.pidFile,
        hint: 'Java 17 is required',
      });
      log(`  ${label}: starting broker pid ${child.pid} (log ${rel(files.log)})`);
      await waitForKafka(brokers, files, { pid: child.pid, child });
      return { started: true, pid: child.pid };
    },
    {
      waitMs: MAVEN_TIMEOUT_MS + KAFKA_START_TIMEOUT_MS,
      purpose: 'start Kafka',
      onContended: (owner) =>
        say(`  ${label}: another process (pid ${owner}) is starting the broker; waiting for it`),
      onWait: () => kafkaIsRunning({ brokers }),
    },
  );

  const ms = Date.now() - started;
  if (result.waited) {
    log(`✔ ${label} ${brokers}: started by another process`);
    return { started: false, pid: brokerPid(files), ms };
  }
  if (result.started) log(`✔ ${label} ${brokers}: started (pid ${result.pid}, KRaft, ${seconds(ms)})`);
  else log(`✔ ${label} ${brokers}: already running${result.pid ? ` (pid ${result.pid})` : ''}`);
  return { ...result, ms };
}

/**
 * Stops the broker whose pid is in the instance's pid file (the default one: .run/kafka.pid) with SIGTERM,
 * then SIGKILL after 30 s. Nothing else. `ifStarted`: say nothing when there is no pid file.
 */
export async function stopKafka({
  instance = defaultKafkaInstance(),
  timeoutMs = KAFKA_STOP_TIMEOUT_MS,
  quiet = false,
  ifStarted = false,
} = {}) {
  const { files, label } = instance;
  const log = logger(quiet);
  const pid = brokerPid(files);
  if (pid === null) {
    if (!ifStarted) log(`✔ ${label}: not running (no pid file)`);
    return { stopped: false };
  }
  if (!isOurBroker(pid, files)) {
    removeFile(files.pidFile);
    log(`✔ ${label}: not running (stale pid file for pid ${pid} removed)`);
    return { stopped: false };
  }
  const started = Date.now();
  const signal = await terminate(pid, {
    timeoutMs,
    onKill: () => log(`  ${label}: pid ${pid} still running after ${seconds(timeoutMs)}; SIGKILL`),
  });
  removeFile(files.pidFile);
  log(`✔ ${label}: stopped pid ${pid} (${signal}, ${seconds(Date.now() - started)})`);
  return { stopped: true, pid, signal };
}

/** Stops the broker and deletes its data (topics, offsets); the next start formats a fresh log dir. */
export async function resetKafka({ instance = defaultKafkaInstance() } = {}) {
  await stopKafka({ instance });
  fs.rmSync(instance.files.data, { recursive: true, force: true });
  say(`✔ ${instance.label}: data removed (${rel(instance.files.data)})`);
}

/** The broker's pid file and jars, for `status`: our live broker's pid, whether the pid file is stale. */
export function kafkaProcessStatus({ instance = defaultKafkaInstance() } = {}) {
  const { files } = instance;
  const pid = brokerPid(files);
  return {
    pid: pid !== null && isOurBroker(pid, files) ? pid : null,
    stalePidFile: pid !== null && !isOurBroker(pid, files),
    jars: jarsReady(),
  };
}
