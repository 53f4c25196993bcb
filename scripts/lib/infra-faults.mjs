// Hard faults of the infrastructure, for scripts/chaos.mjs: kill -9 a Kafka broker (the chaos run's own,
// scripts/infra/kafka.mjs KAFKA_INSTANCES) and start it again on its data, kill -9 the machine's Redis and
// start it again (empty), restart the machine's PostgreSQL. Each process is found by the port it listens on
// (`ss`), so a broker started from another checkout of the repository is restarted by that checkout's
// scripts/infra.mjs, on that checkout's data.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

import { ROOT } from './services.mjs';

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const infra = () => import(pathToFileURL(path.join(ROOT, 'scripts', 'infra.mjs')).href);

/** The pid of the process listening on TCP `port` on this machine, or null. */
export function listenerPid(port) {
  const result = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  if (result.error) throw new Error(`cannot run ss (${result.error.message})`);
  const match = /pid=(\d+)/.exec(result.stdout);
  return match ? Number(match[1]) : null;
}

/** False once `pid` has exited (a zombie waiting for its parent counts as gone). */
export function isRunning(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** SIGKILL, then waits (at most timeoutMs) until the process is gone. */
export async function killHard(pid, { timeoutMs = 15_000 } = {}) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch (error) {
    if (error.code !== 'ESRCH') throw error;
  }
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} still runs ${timeoutMs} ms after SIGKILL`);
    await sleep(50);
  }
}

function commandLine(pid) {
  return {
    argv: fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean),
    cwd: fs.readlinkSync(`/proc/${pid}/cwd`),
  };
}

function brokerPort(brokers) {
  const first = brokers.split(',')[0].trim();
  return Number(first.slice(first.lastIndexOf(':') + 1));
}

/**
 * The Kafka broker listening on the port of `brokers` (host:port, the chaos run's broker): its pid, command
 * line, and the checkout of this repository that started it, if any, with the instance it runs: the
 * default one (`<checkout>/.run/kafka-server.properties`) or a named one such as the chaos run's
 * (`<checkout>/.run/<name>-kafka/server.properties`).
 */
export function findBroker(brokers) {
  const port = brokerPort(brokers);
  const pid = listenerPid(port);
  if (pid === null) return null;
  const { argv, cwd } = commandLine(pid);
  if (!argv.includes('kafka.Kafka'))
    throw new Error(`port ${port} is held by pid ${pid}, not a Kafka broker`);
  const properties = argv.at(-1);
  const match =
    /^(.*)[/\\]\.run[/\\](?:kafka-server\.properties|([\w-]+)-kafka[/\\]server\.properties)$/.exec(
      properties,
    );
  const checkout = match && fs.existsSync(path.join(match[1], 'scripts', 'infra.mjs')) ? match[1] : null;
  return { pid, port, brokers, argv, cwd, checkout, instance: match?.[2] ?? 'default' };
}

/**
 * Starts the broker described by `broker` (from findBroker) again on its data: through its checkout's
 * scripts/infra.mjs `ensureKafka` (which finds the stale pid file and starts a broker on that instance's
 * data), or, when no checkout is known (or it does not know the instance), by re-running its command line.
 */
export async function restartBroker(broker, { logFile }) {
  const owner = broker.checkout
    ? await import(pathToFileURL(path.join(broker.checkout, 'scripts', 'infra.mjs')).href)
    : null;
  // A checkout from before KAFKA_INSTANCES runs only a default broker: ensureKafka({brokers}) restarts it.
  const instance = broker.instance === 'default' ? undefined : owner?.KAFKA_INSTANCES?.[broker.instance];
  if (owner && (instance || broker.instance === 'default')) {
    await owner.ensureKafka({ instance, brokers: broker.brokers, quiet: true });
    return { how: `ensureKafka of ${broker.checkout === ROOT ? 'this checkout' : broker.checkout}` };
  }
  fs.mkdirSync(path.dirname(logFile), { recursive: true });
  const out = fs.openSync(logFile, 'a');
  const child = spawn(broker.argv[0], broker.argv.slice(1), {
    cwd: broker.cwd,
    detached: true,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  child.unref();
  const { kafkaIsRunning } = await infra();
  const deadline = Date.now() + 120_000;
  while (!(await kafkaIsRunning({ brokers: broker.brokers }))) {
    if (Date.now() > deadline)
      throw new Error(`the re-run broker (pid ${child.pid}) did not answer in 120 s`);
    await sleep(500);
  }
  return { how: `its command line again (pid ${child.pid}, log ${path.relative(ROOT, logFile)})` };
}

/**
 * kill -9 of the broker listening on the port of `instance.brokers`, then a start on its data. Returns what
 * was done and how long the start took.
 */
export async function crashKafka({ instance, logFile }) {
  const broker = findBroker(instance.brokers);
  if (!broker) throw new Error('no Kafka broker listens; nothing to kill');
  await killHard(broker.pid);
  const killedAt = Date.now();
  const { how } = await restartBroker(broker, { logFile });
  return {
    detail: `pid ${broker.pid} killed; restarted by ${how} in ${((Date.now() - killedAt) / 1000).toFixed(1)} s`,
  };
}

/**
 * Whether a broker answers on `instance.brokers`; if none does, starts the one `broker` described (or
 * this checkout's `instance`). True when it had to start one.
 */
export async function ensureBrokerBack(broker, { instance, logFile }) {
  const { kafkaIsRunning, ensureKafka } = await infra();
  if (await kafkaIsRunning({ brokers: instance.brokers })) return false;
  if (broker) await restartBroker(broker, { logFile });
  else await ensureKafka({ instance, quiet: true });
  return true;
}

const REDIS_URL_DB0 = 'redis://127.0.0.1:6379/0';

/** kill -9 of redis-server (no persistence: it comes back empty), then infra's ensureRedis starts it. */
export async function crashRedis() {
  const pid = listenerPid(6379);
  if (pid === null) throw new Error('nothing listens on 6379; nothing to kill');
  await killHard(pid);
  const killedAt = Date.now();
  const { ensureRedis } = await infra();
  await ensureRedis({ url: REDIS_URL_DB0, quiet: true });
  return { detail: `pid ${pid} killed; started empty in ${((Date.now() - killedAt) / 1000).toFixed(1)} s` };
}

export async function ensureRedisBack() {
  const { ensureRedis } = await infra();
  return (await ensureRedis({ url: REDIS_URL_DB0, quiet: true })).started;
}

/** The newest PostgreSQL cluster version under /etc/postgresql (Debian layout). */
export function postgresVersion() {
  const versions = fs.readdirSync('/etc/postgresql').sort((a, b) => Number(a) - Number(b));
  if (versions.length === 0) throw new Error('/etc/postgresql has no cluster');
  return versions.at(-1);
}

/** `pg_ctlcluster --skip-systemctl-redirect <version> main restart`, then infra's ensurePostgres. */
export async function restartPostgres() {
  const version = postgresVersion();
  const started = Date.now();
  const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'restart'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (result.status !== 0) {
    throw new Error(
      `pg_ctlcluster ${version} main restart failed (${result.error?.message ?? result.status}): ${result.stderr}`,
    );
  }
  const { ensurePostgres } = await infra();
  await ensurePostgres({ quiet: true });
  return { detail: `cluster ${version}/main restarted in ${((Date.now() - started) / 1000).toFixed(1)} s` };
}

export async function ensurePostgresBack() {
  const { ensurePostgres } = await infra();
  return (await ensurePostgres({ quiet: true })).started;
}
