#!/usr/bin/env node
// `npm run chaos [-- --payments N --rate R --faults …]`: a bounded chaos run of the whole payment flow.
//
// 1. Builds the code (tsc -p tsconfig.build.json) into .run/chaos/dist, its own copy, so that a rebuild of
//    dist/ by anyone else never changes what a restarted service runs; creates database remit_chaos
//    afresh and migrates it; flushes Redis db 2; starts the four services with KAFKA_GROUP_PREFIX
//    remit-chaos-<run id>, ports 4101-4104, NODE_ENV=development, LOG_LEVEL=warn, logs in
//    .run/chaos/<service>.log, on its own Kafka broker (127.0.0.1:9096, files in .run/chaos-kafka/, the
//    same jars; started unless it runs, left running, `node scripts/infra.mjs down` stops it). Nothing of
//    `npm start` (database remit, Redis db 0, ports 300x, the broker on KAFKA_BROKERS) or of the tests
//    (remit_test, db 1) is touched, except by the Redis and PostgreSQL faults.
// 2. Sets the test clock to Monday 2026-11-23 10:00 New York, creates customers (40 invoices each) and
//    pays each invoice once, in full, like a portal: its own Idempotency-Key, retried with the same key
//    on 409, 5xx and network errors until a 201 or a definitive 4xx; at the given rate, at most
//    --concurrency requests open.
// 3. Meanwhile, one at a time: kill -9 of each service (restarted with the same environment), kill -9
//    of its Kafka broker (restarted on its data), kill -9 of Redis (restarted empty; the test clock is
//    set again), a PostgreSQL restart. For each: payments in flight and the seconds until all four
//    /health answer 200 and a probe payment gets its 201.
// 4. Waits until every payment is `scheduled` (within 120 s of the last fault), moves the clock ten
//    business days on for one `POST /v1/settlement/run`, waits until every payment is `posted`, every
//    invoice `paid` and every receipt recorded.
// 5. Checks remit_chaos for lost and duplicated payments, applications, journals and receipts,
//    GET /v1/ledger/verify, and the messages added to the `<topic>.dlq` topics; prints one table and a
//    summary, writes everything to .run/chaos/report.json.
// 6. Always stops its services and leaves its Kafka broker, PostgreSQL and Redis running (started again
//    if a fault left one down).
//
// Options: --payments N (2000); --rate R payments/s (by default the load is spread over the time the
// faults need, at most 25/s); --concurrency C (64); --faults all | services | none | a list of
// payment-intake,invoice,settlement,notification,kafka,redis,postgres (all); --gap S seconds between a
// recovery and the next fault (5); --no-build (reuse .run/chaos/dist). The Redis and PostgreSQL faults
// disturb everything else that uses the machine's Redis and PostgreSQL (the Kafka fault only the run's own
// broker); `--faults services` kills only the run's own services.
//
// Exit status: 0 all well; 1 a payment lost or duplicated, the ledger unbalanced, a payment not
// scheduled in time or a fault not recovered from; 2 the run could not be set up; 3 out of time budget.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import {
  crashKafka,
  crashRedis,
  ensureBrokerBack,
  ensurePostgresBack,
  ensureRedisBack,
  findBroker,
  isRunning,
  listenerPid,
  restartPostgres,
} from './lib/infra-faults.mjs';
import { KAFKA_INSTANCES } from './infra/kafka.mjs';
import { consumerGroupsIn } from './lib/consumer-groups.mjs';
import { ROOT, hasExited, healthStatus, services, startService, stopChild } from './lib/services.mjs';

// ---------------------------------------------------------------------------------------------- settings

const CHAOS_DIR = path.join(ROOT, '.run', 'chaos');
const DIST_DIR = '.run/chaos/dist';
const LOCK_FILE = path.join(CHAOS_DIR, 'run.lock');
const REPORT_FILE = path.join(CHAOS_DIR, 'report.json');
const DATABASE = 'remit_chaos';
const DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DATABASE}`;
const REDIS_DB = 2;
const REDIS_URL = `redis://127.0.0.1:6379/${REDIS_DB}`;
/** Its own broker (scripts/infra/kafka.mjs): its events and its broker fault stay off KAFKA_BROKERS. */
const KAFKA = KAFKA_INSTANCES.chaos;
const KAFKA_RESTART_LOG = path.join(CHAOS_DIR, 'kafka-restart.log');
const PORTS = {
  INTAKE_PORT: '4101',
  INVOICE_PORT: '4102',
  SETTLEMENT_PORT: '4103',
  NOTIFICATION_PORT: '4104',
};
const TEST_CLOCK_KEY = 'remit:test-clock';
/** Monday 2026-11-23 10:00 in New York: a business day, before the 17:00 cutoff; ACH posts Wednesday. */
const START_CLOCK = '2026-11-23T15:00:00.000Z';
/** Ten business days later (Thanksgiving, Thursday 2026-11-26, is not one). */
const SETTLE_AS_OF = '2026-12-08';
const INVOICES_PER_CUSTOMER = 40;
const PROBE_SPARES = 10;
/** Every payment must be `scheduled` this long after the last fault (or the last 201, if later). */
const SCHEDULED_WITHIN_MS = 120_000;
const RECOVERY_CAP_MS = 180_000;
const SETTLE_CAP_MS = 240_000;
const ACH = {
  type: 'ach',
  routingNumber: '021000021',
  accountNumber: '000123456789',
  accountNumberConfirmation: '000123456789',
  accountHolderName: 'Chaos Run Corp',
};

const { values: options } = parseArgs({
  options: {
    payments: { type: 'string', default: '2000' },
    rate: { type: 'string' },
    concurrency: { type: 'string', default: '64' },
    faults: { type: 'string', default: 'all' },
    gap: { type: 'string', default: '5' },
    'no-build': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (options.help) {
  console.log(
    'usage: npm run chaos [-- --payments N --rate R --concurrency C --gap S --no-build\n' +
      '                         --faults all|services|none|payment-intake,invoice,settlement,notification,kafka,redis,postgres,…]',
  );
  process.exit(0);
}
const PAYMENTS = positiveInteger('payments', options.payments);
const CONCURRENCY = positiveInteger('concurrency', options.concurrency);
const GAP_MS = positiveNumber('gap', options.gap) * 1000;

function usage(message) {
  console.error(`✘ ${message}`);
  process.exit(2);
}
function positiveInteger(name, text) {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) usage(`--${name} must be a positive integer`);
  return value;
}
function positiveNumber(name, text) {
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) usage(`--${name} must be a positive number`);
  return value;
}

const runId = Date.now().toString(36);
/** Every customer id of the run starts so; everything else in remit_chaos came from another environment. */
const OURS = `chaos-${runId}-`;
const GROUP_PREFIX = `remit-chaos-${runId}`;
const serviceEnv = {
  ...process.env,
  NODE_ENV: 'development',
  DATABASE_URL,
  REDIS_URL,
  KAFKA_BROKERS: KAFKA.brokers,
  KAFKA_GROUP_PREFIX: GROUP_PREFIX,
  ...PORTS,
  LOG_LEVEL: 'warn',
  LOG_FORMAT: 'json',
};
delete serviceEnv.REMIT_NOW; // a restarted service would set the shared clock back to it
const SERVICES = services(serviceEnv);
const url = Object.fromEntries(SERVICES.map((service) => [service.name, `http://127.0.0.1:${service.port}`]));

const SERVICE_FAULTS = SERVICES.map((service) => ({
  id: service.name,
  name: `kill -9 ${service.name}`,
  kind: 'service',
  service,
}));
const INFRA_FAULTS = [
  { id: 'kafka', name: 'kill -9 its Kafka broker', kind: 'kafka' },
  { id: 'redis', name: 'kill -9 Redis (empty)', kind: 'redis' },
  { id: 'postgres', name: 'restart PostgreSQL', kind: 'postgres' },
];
const ALL_FAULTS = [...SERVICE_FAULTS, ...INFRA_FAULTS];
/** --faults: a comma-separated list of all, services, none, payment-intake, …, kafka, redis, postgres. */
function selectFaults(spec) {
  const groups = { all: ALL_FAULTS, services: SERVICE_FAULTS, none: [] };
  const selected = [];
  for (const id of spec.split(',').map((part) => part.trim())) {
    const faults = groups[id] ?? ALL_FAULTS.filter((fault) => fault.id === id);
    if (faults.length === 0 && id !== 'none') {
      usage(
        `--faults: unknown "${id}" (all, services, none, ${ALL_FAULTS.map((fault) => fault.id).join(', ')})`,
      );
    }
    for (const fault of faults) if (!selected.includes(fault)) selected.push(fault);
  }
  return selected;
}
const FAULTS = selectFaults(options.faults);
/**
 * What a fault costs besides --gap, with margin (recoveries measured: 3-4 s for a service, 8 s for the broker,
 * 1-4 s for Redis and PostgreSQL). By default the load is spread over the time the faults are expected
 * to take, at most 25 payments/s, so that every fault lands while payments are still being sent.
 */
const FAULT_SECONDS_ESTIMATE = 20;
const faultsSeconds = FAULTS.length * (FAULT_SECONDS_ESTIMATE + GAP_MS / 1000) + 30;
const RATE =
  options.rate === undefined
    ? Math.min(25, Math.max(0.5, Math.floor((PAYMENTS / faultsSeconds) * 10) / 10))
    : positiveNumber('rate', options.rate);

// The time budget: a cap per phase, and a watchdog over their sum.
const loadSeconds = PAYMENTS / RATE;
const PHASES = {
  build: 300,
  'infrastructure, database, migrations': 180,
  'services start': 150,
  'customers and invoices': 150 + Math.ceil(PAYMENTS / 20),
  'load and faults':
    Math.ceil(loadSeconds) + FAULTS.length * (RECOVERY_CAP_MS / 1000 + GAP_MS / 1000 + 20) + 300,
  'scheduled after the last fault': SCHEDULED_WITHIN_MS / 1000,
  'settlement run, posted and paid': SETTLE_CAP_MS / 1000 + 60,
  'checks and clean-up': 180,
};
const BUDGET_S = Object.values(PHASES).reduce((sum, seconds) => sum + seconds, 0);

// ---------------------------------------------------------------------------------------------- output

const t0 = Date.now();
const elapsed = (at = Date.now()) => ((at - t0) / 1000).toFixed(1);
const say = (line) => console.log(`[${elapsed().padStart(6)}s] ${line}`);
const step = (line) => console.log(`\n\u001b[1m▸ ${line}\u001b[0m`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (ms) => (ms / 1000).toFixed(1);

// ---------------------------------------------------------------------------------------------- state

const state = {
  phase: 'start',
  stopping: false,
  handles: new Map(),
  unexpectedExits: [],
  payments: [],
  byInvoice: new Map(),
  probeInvoices: [],
  faults: [],
  customers: [],
  loadStartedAt: null,
  loadEndedAt: null,
  monitorErrors: 0,
  notes: [],
};
let libs; // npm packages and repository modules, loaded once node_modules is known to be there
let db; // pg.Pool on remit_chaos
let lockTaken = false;

// ---------------------------------------------------------------------------------------------- main

async function main() {
  console.log(
    `Remit chaos run ${runId}: ${PAYMENTS} payments at ${RATE}/s (≤ ${CONCURRENCY} open requests), ` +
      `faults: ${FAULTS.map((fault) => fault.name).join(', ') || 'none'}`,
  );
  if (options.rate === undefined && FAULTS.length > 0) {
    console.log(
      `rate ${RATE}/s by default: the load lasts about as long as the faults need (--rate overrides)`,
    );
  } else if (FAULTS.length > 0 && loadSeconds < faultsSeconds) {
    console.log(
      `note: the load (${loadSeconds.toFixed(0)} s) is shorter than the faults are likely to take ` +
        `(~${faultsSeconds.toFixed(0)} s): the later ones will hit only the asynchronous part of the flow`,
    );
  }
  console.log(
    `time budget ${BUDGET_S} s (${Object.entries(PHASES)
      .map(([phase, s]) => `${phase} ${s} s`)
      .join(', ')}); the run stops and cleans up when it is spent`,
  );
  console.log(
    `Kafka: the run's own broker ${KAFKA.brokers} (files in ${path.relative(ROOT, KAFKA.files.dir)}; left ` +
      'running, `node scripts/infra.mjs down` stops it): its events never reach `npm start` or the tests',
  );
  setTimeout(() => void outOfBudget(), BUDGET_S * 1000).unref();
  if (!fs.existsSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'))) {
    console.error('✘ node_modules is missing: run `npm ci` first');
    return 2;
  }
  fs.mkdirSync(CHAOS_DIR, { recursive: true });
  takeLock();
  libs = await loadLibraries();

  state.phase = 'build';
  step(`build (tsc -p tsconfig.build.json into ${DIST_DIR})`);
  if (options['no-build']) {
    if (!fs.existsSync(path.join(ROOT, DIST_DIR, 'tools', 'migrate.js'))) {
      console.error(`✘ --no-build, but ${DIST_DIR} holds no build`);
      return 2;
    }
    say('skipped (--no-build)');
  } else {
    const build = run('npx', [
      'tsc',
      '-p',
      'tsconfig.build.json',
      '--outDir',
      DIST_DIR,
      '--tsBuildInfoFile',
      `${DIST_DIR}/.tsbuildinfo`,
    ]);
    if (build.status !== 0) {
      console.error(`✘ the build failed (the working tree does not compile):\n${build.output}`);
      return 2;
    }
    say('built');
  }

  state.phase = 'infrastructure';
  step('infrastructure, isolated database, migrations');
  for (const service of SERVICES) {
    const holder = listenerPid(service.port);
    if (holder !== null) {
      console.error(`✘ port ${service.port} (${service.name}) is taken by pid ${holder}`);
      return 2;
    }
  }
  const unprefixed = servicesWithoutGroupPrefix();
  if (unprefixed.length > 0) {
    console.error(
      `✘ ${unprefixed.join(', ')} do(es) not pass KAFKA_GROUP_PREFIX to MessagingModule (groupPrefix): ` +
        'their consumers would join the groups of earlier runs left on its broker and take their events. ' +
        'Refusing to start them.',
    );
    return 2;
  }
  await libs.infra.ensurePostgres({ quiet: true });
  await dropChaosDatabase();
  const { kafka: broker } = await libs.infra.up({
    databaseUrl: DATABASE_URL,
    redisUrl: REDIS_URL,
    kafka: KAFKA,
    quiet: true,
  });
  await flushChaosRedis();
  say(
    `database ${DATABASE} created afresh, Redis db ${REDIS_DB} flushed, its Kafka broker ${KAFKA.brokers} ` +
      `(${broker.started ? 'started' : 'already running'}) and its topics up`,
  );
  const migrate = run(
    'node',
    ['-r', './scripts/lib/register-dist-aliases.cjs', `${DIST_DIR}/tools/migrate.js`],
    {
      ...serviceEnv,
      REMIT_DIST_DIR: path.join(ROOT, DIST_DIR),
    },
  );
  if (migrate.status !== 0) {
    console.error(`✘ migrations failed:\n${migrate.output}`);
    return 2;
  }
  say(migrate.output.trim().split('\n').join('; '));
  db = new libs.pg.Pool({ connectionString: DATABASE_URL, max: 3, connectionTimeoutMillis: 3000 });
  db.on('error', () => {}); // idle clients die with PostgreSQL restarts; the next query reconnects
  const groups = await positionConsumerGroups();
  state.dlqBefore = await dlqOffsets();

  state.phase = 'services start';
  step(`services (logs in ${path.relative(ROOT, CHAOS_DIR)}/<service>.log)`);
  for (const service of SERVICES) {
    fs.writeFileSync(logFileOf(service), '');
    launch(service);
  }
  if (!(await allHealthy(PHASES['services start'] * 1000))) {
    console.error('✘ the services did not become healthy; see their logs');
    return 2;
  }
  say(`healthy: ${SERVICES.map((service) => `${service.name} :${service.port}`).join(', ')}`);
  await checkGroups(groups);

  state.phase = 'customers and invoices';
  step('test clock, customers and invoices');
  await setClock(START_CLOCK);
  await createCustomersAndInvoices();
  await waitIntakeKnowsInvoices();

  state.phase = 'load and faults';
  step(`load: ${PAYMENTS} payments at ${RATE}/s; faults one at a time`);
  startMonitor();
  state.loadStartedAt = Date.now();
  const loadDeadline = Date.now() + PHASES['load and faults'] * 1000 - 60_000;
  const load = runLoad(loadDeadline).then(() => {
    state.loadEndedAt = Date.now();
    say(`load done: ${describeProgress()}`);
  });
  const faults = runFaults();
  await Promise.all([load, faults]);

  state.phase = 'scheduled after the last fault';
  step('every payment scheduled');
  await waitAllScheduled();

  state.phase = 'settlement';
  step('settlement run, every payment posted and every invoice paid');
  await settle();

  state.phase = 'checks';
  step('checks');
  const verdict = await check();
  printReport(verdict);
  return verdict.failed ? 1 : 0;
}

// ---------------------------------------------------------------------------------------------- setup

async function loadLibraries() {
  const load = (file) => import(pathToFileURL(path.join(ROOT, 'scripts', file)).href);
  const [infra, token, pg, kafkajs, ioredis] = await Promise.all([
    load('infra.mjs'),
    load('token.mjs'),
    import('pg'),
    import('kafkajs'),
    import('ioredis'),
  ]);
  return { infra, devToken: token.devToken, pg: pg.default, kafkajs: kafkajs.default, Redis: ioredis.Redis };
}

function takeLock() {
  for (;;) {
    try {
      fs.writeFileSync(LOCK_FILE, String(process.pid), { flag: 'wx' });
      lockTaken = true;
      return;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      const owner = Number(fs.readFileSync(LOCK_FILE, 'utf8'));
      if (owner && isRunning(owner)) usage(`another chaos run (pid ${owner}) is going on`);
      fs.rmSync(LOCK_FILE, { force: true });
    }
  }
}

function run(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: ROOT, env, encoding: 'utf8', timeout: 300_000 });
  return {
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}`,
  };
}

async function dropChaosDatabase() {
  const client = new libs.pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function withRedis(fn) {
  const client = new libs.Redis(REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
  });
  client.on('error', () => {});
  try {
    await client.connect();
    return await fn(client);
  } finally {
    client.disconnect();
  }
}

const flushChaosRedis = () => withRedis((client) => client.flushdb());

/** The BullMQ job schedulers in the run's Redis db (`<queue>/<scheduler id>`): the every-minute sweep and the like. */
function jobSchedulers() {
  return withRedis(async (client) => {
    const found = [];
    for (const key of await client.keys('remit:*:repeat')) {
      if ((await client.type(key)) !== 'zset') continue;
      const queue = key.slice('remit:'.length, -':repeat'.length);
      for (const id of await client.zrange(key, 0, -1)) found.push(`${queue}/${id}`);
    }
    return found.sort();
  }).catch(() => []);
}

function kafka() {
  const { Kafka, logLevel } = libs.kafkajs;
  return new Kafka({
    clientId: `${GROUP_PREFIX}.tool`,
    brokers: KAFKA.brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 5 },
  });
}

async function withAdmin(fn) {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

const mainTopics = () => libs.infra.topicSpecs().filter((spec) => !spec.topic.endsWith('.dlq'));
const dlqTopics = () => libs.infra.topicSpecs().filter((spec) => spec.topic.endsWith('.dlq'));

/** The consumer groups the services register (`groupId: '…'` in the built consumers). */
function consumerGroups() {
  return consumerGroupsIn(path.join(ROOT, DIST_DIR, 'apps'));
}

/**
 * The services whose built code does not hand MessagingModule a `groupPrefix` (in their module, or in a
 * @remit/platform helper their module calls): checked before they start, because once started they
 * would already consume in another environment's groups. checkGroups() confirms it once they run.
 */
function servicesWithoutGroupPrefix() {
  const code = (file) =>
    fs.existsSync(file)
      ? fs
          .readFileSync(file, 'utf8')
          .replace(/\/\*[\s\S]*?\*\//g, '')
          .replace(/^\s*\/\/.*$/gm, '')
      : '';
  const setsPrefix = (text) => /\bgroupPrefix\s*:/.test(text);
  const platformDir = path.join(ROOT, DIST_DIR, 'libs', 'platform', 'src');
  const helpers = fs
    .readdirSync(platformDir, { recursive: true })
    .filter((file) => String(file).endsWith('.js'))
    .map((file) => code(path.join(platformDir, String(file))))
    .filter(setsPrefix)
    .flatMap((text) => [...text.matchAll(/\bfunction (\w+)\(/g)].map((match) => match[1]));
  return SERVICES.filter((service) => {
    const module = code(path.join(ROOT, DIST_DIR, 'apps', service.name, 'src', `${service.name}.module.js`));
    return !setsPrefix(module) && !helpers.some((name) => new RegExp(`\\b${name}\\)?\\(`).test(module));
  }).map((service) => service.name);
}

/**
 * The run's broker keeps the topics of earlier chaos runs, and a new consumer group starts at the
 * earliest offset: without this, the run's services would replay (and act on) every event those runs
 * published. Each of the run's groups starts at the end of every topic instead.
 */
async function positionConsumerGroups() {
  const groups = consumerGroups();
  const ends = await withAdmin((admin) =>
    Promise.all(
      mainTopics().map(async ({ topic }) => ({
        topic,
        partitions: (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({
          partition,
          offset: high,
        })),
      })),
    ),
  );
  for (const group of groups) await commitOffsets(`${GROUP_PREFIX}.${group}`, ends);
  say(`consumer groups ${GROUP_PREFIX}.{${groups.join(',')}} start at the end of every topic`);
  return groups;
}

/**
 * Commits `offsets` ([{topic, partitions: [{partition, offset}]}]) for a group nobody consumes in yet:
 * one member joins, seeks every partition (kafkajs commits a seek) and leaves. Checked afterwards;
 * admin.setOffsets (one join per topic) fixes what is missing.
 */
async function commitOffsets(groupId, offsets) {
  const consumer = kafka().consumer({ groupId, maxWaitTimeInMs: 100 });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: offsets.map(({ topic }) => topic), fromBeginning: true });
    await Promise.race([
      new Promise((resolve, reject) => {
        consumer.on(consumer.events.FETCH, () => resolve());
        consumer.run({ eachBatchAutoResolve: false, eachBatch: async () => {} }).catch(reject);
        consumer.pause(offsets.map(({ topic }) => ({ topic })));
        for (const { topic, partitions } of offsets) {
          for (const { partition, offset } of partitions) consumer.seek({ topic, partition, offset });
        }
      }),
      sleep(30_000),
    ]);
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  await withAdmin(async (admin) => {
    const committed = await admin.fetchOffsets({ groupId, topics: offsets.map(({ topic }) => topic) });
    for (const { topic, partitions } of offsets) {
      const found = committed.find((entry) => entry.topic === topic);
      const wrong = partitions.filter(
        ({ partition, offset }) =>
          found?.partitions.find((entry) => entry.partition === partition)?.offset !== String(offset),
      );
      if (wrong.length > 0) await admin.setOffsets({ groupId, topic, partitions });
    }
  });
}

/**
 * The run's services must consume in their own groups (KAFKA_GROUP_PREFIX): in a shared group they would
 * take partitions, and events, away from another run's services on the same broker. Refused otherwise.
 */
async function checkGroups(groups) {
  const expected = groups.map((group) => `${GROUP_PREFIX}.${group}`);
  const deadline = Date.now() + 30_000;
  let idle = expected;
  while (idle.length > 0 && Date.now() < deadline) {
    const described = await withAdmin((admin) => admin.describeGroups(expected));
    idle = described.groups
      .filter((group) => group.state !== 'Stable' || group.members.length === 0)
      .map((group) => group.groupId);
    if (idle.length > 0) await sleep(1000);
  }
  if (idle.length > 0) {
    throw new Error(
      `no service consumes in ${idle.join(', ')}: the services ignore KAFKA_GROUP_PREFIX and would share ` +
        'consumer groups with other runs on this broker',
    );
  }
  const { groups: live } = await withAdmin((admin) => admin.listGroups());
  const extra = live
    .map((group) => group.groupId)
    .filter((id) => id.startsWith(`${GROUP_PREFIX}.`) && !expected.includes(id));
  if (extra.length > 0)
    note(`groups not positioned at the topics' end (they replay history): ${extra.join(', ')}`);
}

async function dlqOffsets() {
  return withAdmin(async (admin) => {
    const result = {};
    for (const { topic } of dlqTopics()) {
      result[topic] = Object.fromEntries(
        (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, Number(high)]),
      );
    }
    return result;
  });
}

// ---------------------------------------------------------------------------------------------- services

const logFileOf = (service) => path.join(CHAOS_DIR, `${service.name}.log`);

function launch(service, why) {
  if (state.stopping) return state.handles.get(service.name);
  if (why) fs.appendFileSync(logFileOf(service), `${JSON.stringify({ chaos: why, at: new Date() })}\n`);
  const child = startService(service, { env: serviceEnv, distDir: DIST_DIR, logFile: logFileOf(service) });
  const handle = state.handles.get(service.name) ?? { service, restarts: 0, crashes: 0 };
  handle.child = child;
  handle.expectedExit = false;
  if (why) handle.restarts += 1;
  state.handles.set(service.name, handle);
  child.on('exit', (code, signal) => {
    if (state.stopping || handle.expectedExit || handle.child !== child) return;
    handle.crashes += 1;
    state.unexpectedExits.push({ service: service.name, at: elapsed(), code, signal, phase: state.phase });
    say(
      `✘ ${service.name} (pid ${child.pid}) exited on its own (${signal ?? `code ${code}`}) during ${state.phase}`,
    );
    if (handle.crashes > 5) {
      say(`✘ ${service.name} crashed ${handle.crashes} times; not restarting it again`);
      return;
    }
    setTimeout(() => {
      if (!state.stopping && handle.child === child) launch(service, `restart after exit ${signal ?? code}`);
    }, 1000);
  });
  return handle;
}

async function allHealthy(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await healthyNow()) return true;
    await sleep(500);
  }
  return false;
}

async function healthyNow() {
  const statuses = await Promise.all(
    SERVICES.map((service) => healthStatus(service.port, { timeoutMs: 2000 })),
  );
  return statuses.every((status) => status === 200);
}

// ---------------------------------------------------------------------------------------------- HTTP

let opsToken;
const ops = () => (opsToken ??= libs.devToken('ops'));

async function call(
  method,
  service,
  urlPath,
  { token = ops(), body, headers = {}, timeoutMs = 30_000 } = {},
) {
  try {
    const response = await fetch(`${url[service]}${urlPath}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return {
      status: response.status,
      body: json,
      code: json?.error?.code,
      retryAfter: Number(response.headers.get('retry-after')) || 0,
      replayed: response.headers.get('idempotent-replayed') === 'true',
    };
  } catch (error) {
    return { status: null, error: error.cause?.code ?? error.name ?? 'network error' };
  }
}

const describe = (response) =>
  response.status === null ? response.error : `${response.status}${response.code ? ` ${response.code}` : ''}`;
const retryable = (response) =>
  response.status === null || [408, 409, 425, 429].includes(response.status) || response.status >= 500;
const backoff = (attempt, retryAfter = 0) =>
  Math.max(
    Math.min(200 * 2 ** (attempt - 1), 5000) * (0.5 + Math.random() / 2),
    Math.min(retryAfter, 10) * 1000,
  );

/** Calls until a non-retryable answer (setup requests: no faults are running yet). */
async function callPatiently(method, service, urlPath, request = {}, attempts = 8) {
  let response;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    response = await call(method, service, urlPath, request);
    if (!retryable(response) || response.status === 409) return response;
    await sleep(backoff(attempt, response.retryAfter));
  }
  return response;
}

async function setClock(now) {
  const response = await callPatiently('PUT', 'settlement', '/v1/test/clock', { body: { now } });
  if (response.status !== 200) throw new Error(`PUT /v1/test/clock → ${describe(response)}`);
  const read = await callPatiently('GET', 'payment-intake', '/v1/test/clock');
  if (read.body?.now !== now) throw new Error(`the test clock reads ${read.body?.now}, not ${now}`);
}

// ---------------------------------------------------------------------------------------------- data

/** Maps over items with at most `limit` calls of fn at once. */
async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

async function createCustomersAndInvoices() {
  const customerCount = Math.ceil(PAYMENTS / INVOICES_PER_CUSTOMER);
  const probeInvoices = FAULTS.length + PROBE_SPARES;
  const customers = [];
  for (let c = 0; c <= customerCount; c += 1) {
    const probe = c === customerCount;
    const customerId = probe ? `${OURS}probe` : `${OURS}c${String(c).padStart(3, '0')}`;
    const invoiceCount = probe
      ? probeInvoices
      : Math.min(INVOICES_PER_CUSTOMER, PAYMENTS - c * INVOICES_PER_CUSTOMER);
    customers.push({ customerId, accountNumber: String(1_000_000 + c), invoiceCount, probe });
  }
  state.customers = customers;
  const created = Date.now();
  await pool(customers, 8, async (customer) => {
    const response = await callPatiently('POST', 'invoice', '/v1/customers', {
      body: {
        customerId: customer.customerId,
        name: `Chaos ${customer.customerId}`,
        email: `ap-${customer.customerId}@example.com`,
        billingDelivery: 'email',
        accounts: [{ accountNumber: customer.accountNumber, siteName: 'Chaos Site', city: 'HERND' }],
      },
    });
    if (response.status !== 201 && response.status !== 409)
      throw new Error(`POST /v1/customers → ${describe(response)}`);
  });
  const invoices = customers.flatMap((customer) =>
    Array.from({ length: customer.invoiceCount }, (_, i) => {
      const cents = 1000 + ((Number(customer.accountNumber) * 7919 + i * 104_729) % 250_000);
      return {
        customer,
        invoiceNumber: `${OURS}${customer.probe ? 'probe' : customer.accountNumber}-${i}`,
        lines: [
          { description: 'Internet', amountCents: cents },
          { description: 'Managed Network & Security', amountCents: 4618 },
        ],
      };
    }),
  );
  await pool(invoices, 16, async (invoice) => {
    const response = await callPatiently('POST', 'invoice', '/v1/invoices', {
      body: {
        invoiceNumber: invoice.invoiceNumber,
        accountNumber: invoice.customer.accountNumber,
        invoiceDate: '2026-11-01',
        dueDate: '2026-12-01',
        lines: invoice.lines,
      },
    });
    if (response.status !== 201 && response.status !== 409)
      throw new Error(`POST /v1/invoices → ${describe(response)}`);
  });
  // The invoice ids, read back (a 409 on a retried creation does not carry it).
  for (const customer of customers) {
    const response = await callPatiently(
      'GET',
      'invoice',
      `/v1/customers/${customer.customerId}/invoices?status=all`,
    );
    if (response.status !== 200)
      throw new Error(`GET invoices of ${customer.customerId} → ${describe(response)}`);
    if (response.body.length !== customer.invoiceCount)
      throw new Error(
        `${customer.customerId} has ${response.body.length} invoices, not ${customer.invoiceCount}`,
      );
    const token = libs.devToken('customer', [customer.customerId]);
    const sorted = [...response.body].sort((a, b) =>
      a.invoiceNumber.localeCompare(b.invoiceNumber, 'en', { numeric: true }),
    );
    for (const invoice of sorted) {
      const record = newPayment(customer, invoice, token);
      if (customer.probe) state.probeInvoices.push(record);
      else {
        state.payments.push(record);
        state.byInvoice.set(invoice.invoiceId, record);
      }
    }
  }
  say(
    `${customers.length - 1} customers with ${state.payments.length} invoices, and a probe customer with ` +
      `${state.probeInvoices.length}, in ${seconds(Date.now() - created)} s`,
  );
}

function newPayment(customer, invoice, token) {
  return {
    customerId: customer.customerId,
    invoiceId: invoice.invoiceId,
    invoiceNumber: invoice.invoiceNumber,
    amountCents: invoice.invoiceAmountCents,
    token,
    key: invoice.invoiceNumber, // unique, and starts with OURS like everything of the run
    probe: null,
    attempts: 0,
    codes: {},
    firstSentAt: null,
    answeredAt: null,
    paymentId: null,
    replayed: false,
    error: null,
    dbPaymentIds: new Set(),
    scheduledAt: null,
    apiStatus: null,
  };
}

async function waitIntakeKnowsInvoices() {
  const total = state.payments.length + state.probeInvoices.length;
  const deadline = Date.now() + 120_000;
  let known = 0;
  while (Date.now() < deadline) {
    const result = await db.query(
      `SELECT count(*)::int AS n FROM intake.invoice_view WHERE customer_id LIKE $1`,
      [`${OURS}%`],
    );
    known = result.rows[0].n;
    if (known >= total) {
      say(`intake knows all ${total} invoices (invoice.events.v1)`);
      return;
    }
    await sleep(500);
  }
  throw new Error(`intake knows ${known} of ${total} invoices after 120 s`);
}

// ---------------------------------------------------------------------------------------------- load

/** One portal request: the same Idempotency-Key until 201 or a definitive refusal (a 4xx other than 409). */
async function attempt(payment) {
  payment.firstSentAt ??= Date.now();
  payment.attempts += 1;
  const response = await call('POST', 'payment-intake', '/v1/payments', {
    token: payment.token,
    headers: { 'Idempotency-Key': payment.key },
    body: { customerId: payment.customerId, invoices: [{ invoiceId: payment.invoiceId }], method: ACH },
  });
  if (response.status === 201) {
    payment.answeredAt = Date.now();
    payment.paymentId = response.body?.paymentId ?? null;
    payment.replayed = response.replayed;
    payment.response = {
      status: response.body?.status,
      amountCents: response.body?.amountCents,
      businessDate: response.body?.businessDate,
      expectedPostingDate: response.body?.expectedPostingDate,
    };
    return 'done';
  }
  const label = describe(response);
  payment.codes[label] = (payment.codes[label] ?? 0) + 1;
  if (!retryable(response)) {
    payment.error = label;
    return 'refused';
  }
  return { retryAfter: response.retryAfter };
}

async function submit(payment, deadline) {
  for (;;) {
    const outcome = await attempt(payment);
    if (outcome === 'done' || outcome === 'refused') return;
    if (Date.now() > deadline || state.stopping) {
      payment.error = `gave up after ${payment.attempts} attempts`;
      return;
    }
    await sleep(backoff(payment.attempts, outcome.retryAfter));
  }
}

async function runLoad(deadline) {
  let free = CONCURRENCY;
  const waiting = [];
  const acquire = () =>
    free > 0 ? (free--, Promise.resolve()) : new Promise((resolve) => waiting.push(resolve));
  const release = () => (waiting.length > 0 ? waiting.shift()() : free++);
  const started = Date.now();
  const tasks = [];
  const payments = state.payments.slice(); // the probes, added to state.payments meanwhile, are not load
  for (let i = 0; i < payments.length && !state.stopping; i += 1) {
    const due = started + (i * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    await acquire();
    tasks.push(submit(payments[i], deadline).finally(release));
  }
  await Promise.all(tasks);
}

function counts() {
  const list = state.payments;
  const sent = list.filter((payment) => payment.firstSentAt !== null).length;
  const answered = list.filter((payment) => payment.answeredAt !== null).length;
  const refused = list.filter((payment) => payment.error !== null).length;
  const scheduled = list.filter((payment) => payment.scheduledAt !== null).length;
  const open = sent - answered - refused;
  return { sent, answered, refused, scheduled, open };
}

function describeProgress() {
  const c = counts();
  return `sent ${c.sent}/${state.payments.length}, 201 ${c.answered}, refused/gave up ${c.refused}, awaiting an answer ${c.open}, scheduled ${c.scheduled}`;
}

/** Every second: the payments' statuses straight from remit_chaos (for the fault snapshots). */
function startMonitor() {
  let lastProgress = 0;
  const tick = async () => {
    if (state.stopping || state.phase === 'checks') return;
    try {
      const result = await db.query(
        `SELECT payment_id::text AS id, status, invoices->0->>'invoiceId' AS invoice_id
           FROM intake.payments WHERE customer_id LIKE $1`,
        [`${OURS}%`],
      );
      const now = Date.now();
      for (const row of result.rows) {
        const payment = state.byInvoice.get(row.invoice_id);
        if (!payment) continue;
        payment.dbPaymentIds.add(row.id);
        if (row.status !== 'submitted' && payment.scheduledAt === null) payment.scheduledAt = now;
      }
    } catch {
      state.monitorErrors += 1;
    }
    if (Date.now() - lastProgress >= 5000 && state.phase === 'load and faults') {
      lastProgress = Date.now();
      say(describeProgress());
    }
    setTimeout(() => void tick(), 1000).unref();
  };
  void tick();
}

// ---------------------------------------------------------------------------------------------- faults

async function runFaults() {
  if (FAULTS.length === 0) return;
  const spacing = Math.max(GAP_MS, (loadSeconds * 1000) / (FAULTS.length + 1));
  let readyAt = state.loadStartedAt;
  for (const [index, fault] of FAULTS.entries()) {
    const target = Math.max(state.loadStartedAt + (index + 1) * spacing, readyAt + GAP_MS);
    if (target > Date.now()) await sleep(target - Date.now());
    if (state.stopping) return;
    const record = await inject(fault);
    state.faults.push(record);
    readyAt = Date.now();
  }
}

function snapshot() {
  const c = counts();
  const notScheduled = state.payments.filter(
    (payment) => payment.answeredAt !== null && payment.scheduledAt === null,
  ).length;
  // Nothing posts before the settlement run: every payment sent so far is in flight.
  return {
    inFlight: c.sent - c.refused,
    awaitingAnswer: c.open,
    notScheduled,
    loadRunning: state.loadEndedAt === null,
  };
}

async function inject(fault) {
  const record = {
    name: fault.name,
    kind: fault.kind,
    ...snapshot(),
    at: Date.now(),
    detail: '',
    error: null,
  };
  say(
    `⚡ ${fault.name} (in flight ${record.inFlight}: ${record.awaitingAnswer} awaiting an answer, ` +
      `${record.notScheduled} not yet scheduled${record.loadRunning ? '' : '; load over'})`,
  );
  try {
    if (fault.kind === 'service') record.detail = (await killService(fault.service)).detail;
    else if (fault.kind === 'kafka') {
      state.broker = findBroker(KAFKA.brokers);
      record.detail = (await crashKafka({ instance: KAFKA, logFile: KAFKA_RESTART_LOG })).detail;
    } else if (fault.kind === 'redis') {
      state.schedulersBeforeRedis = await jobSchedulers();
      record.detail = (await crashRedis()).detail;
      // Redis held the shared test clock: put it back at once, before payments run on real time.
      await withRedis((client) => client.set(TEST_CLOCK_KEY, START_CLOCK)).catch(() => {});
    } else if (fault.kind === 'postgres') record.detail = (await restartPostgres()).detail;
  } catch (error) {
    record.error = error.message;
    say(`✘ ${fault.name}: ${error.message}`);
  }
  const recovery = await awaitRecovery(record);
  record.recoveredAt = recovery?.at ?? null;
  record.seconds = recovery ? (recovery.at - record.at) / 1000 : null;
  record.probe = recovery?.probe ?? null;
  if (recovery)
    say(`✔ recovered from ${fault.name} in ${seconds(recovery.at - record.at)} s (${record.detail})`);
  else if (state.stopping) record.error ??= 'the run was stopped before it recovered';
  else {
    say(`✘ no recovery from ${fault.name} within ${RECOVERY_CAP_MS / 1000} s (${record.detail}); repairing`);
    await repair();
  }
  return record;
}

async function killService(service) {
  const handle = state.handles.get(service.name);
  const { child } = handle;
  handle.expectedExit = true;
  const exited = hasExited(child) ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve));
  try {
    process.kill(child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
  await exited;
  const next = launch(service, 'restarted after kill -9');
  return { detail: `pid ${child.pid} killed, restarted as pid ${next.child.pid}` };
}

/** Until all four /health answer 200 and a probe payment gets its 201; null after RECOVERY_CAP_MS. */
async function awaitRecovery(record) {
  const deadline = record.at + RECOVERY_CAP_MS;
  let probe = null;
  let clockSet = record.kind !== 'redis';
  while (Date.now() < deadline && !state.stopping) {
    if (!clockSet && (await healthyNow())) {
      // Redis held the shared test clock: set it again through the API as well.
      const response = await call('PUT', 'settlement', '/v1/test/clock', { body: { now: START_CLOCK } });
      clockSet = response.status === 200;
    }
    if (clockSet && (await healthyNow())) {
      probe ??= nextProbe(record);
      if (!probe) return null;
      const outcome = await attempt(probe);
      if (outcome === 'done') return { at: Date.now(), probe: probe.key };
      if (outcome === 'refused') probe = null; // a definitive refusal: noted on the payment; next probe
    }
    await sleep(250);
  }
  return null;
}

function nextProbe(record) {
  const probe = state.probeInvoices.find((candidate) => candidate.probe === null);
  if (!probe) return null;
  probe.probe = record.name;
  state.payments.push(probe);
  state.byInvoice.set(probe.invoiceId, probe);
  return probe;
}

/** After a fault that did not recover: whatever is down is started again. */
async function repair() {
  try {
    await ensurePostgresBack();
    await ensureRedisBack();
    await ensureBrokerBack(state.broker, { instance: KAFKA, logFile: KAFKA_RESTART_LOG });
    await withRedis((client) => client.set(TEST_CLOCK_KEY, START_CLOCK));
  } catch (error) {
    say(`✘ repair: ${error.message}`);
  }
  for (const handle of state.handles.values()) {
    if (hasExited(handle.child)) launch(handle.service, 'restarted after the run found it down');
  }
  await allHealthy(60_000);
}

// ---------------------------------------------------------------------------------------------- settle

/** GET /v1/payments/{id} of every answered payment not yet in one of `statuses`; returns how many remain. */
async function refreshStatuses(statuses) {
  const pending = state.payments.filter(
    (payment) => payment.paymentId && !statuses.includes(payment.apiStatus),
  );
  await pool(pending, 16, async (payment) => {
    const response = await call('GET', 'payment-intake', `/v1/payments/${payment.paymentId}`, {
      timeoutMs: 10_000,
    });
    if (response.status === 200) payment.apiStatus = response.body.status;
    else if (response.status === 404) payment.apiStatus = 'unknown to intake';
  });
  return state.payments.filter((payment) => payment.paymentId && !statuses.includes(payment.apiStatus))
    .length;
}

async function waitAllScheduled() {
  const lastFault = state.faults.at(-1)?.at ?? 0;
  const lastAnswer = Math.max(0, ...state.payments.map((payment) => payment.answeredAt ?? 0));
  const from = Math.max(lastFault, lastAnswer);
  const deadline = from + SCHEDULED_WITHIN_MS;
  let remaining = Infinity;
  while (Date.now() < deadline) {
    remaining = await refreshStatuses(['scheduled', 'posted']);
    if (remaining === 0) break;
    await sleep(2000);
  }
  state.scheduledWait = {
    from: lastFault >= lastAnswer ? 'the last fault' : 'the last 201',
    seconds: (Date.now() - from) / 1000,
    remaining,
  };
  if (remaining === 0)
    say(
      `every answered payment is scheduled, ${seconds(Date.now() - from)} s after ${state.scheduledWait.from}`,
    );
  else
    say(
      `✘ ${remaining} answered payment(s) not scheduled ${SCHEDULED_WITHIN_MS / 1000} s after ${state.scheduledWait.from}`,
    );
}

/**
 * Payments not of this run in its settlement (none expected since the run has its own broker; an earlier
 * run's events would be one source): posting them would publish payment.posted for them. They are taken
 * out of remit_chaos right before the run, and the clock stands at the settlement date only for the run
 * itself, so that the every-minute sweep does not post those that arrive later.
 */
async function removeForeignScheduled() {
  const removed = await db.query(
    `DELETE FROM settlement.settlement_payments WHERE customer_id NOT LIKE $1 AND status = 'scheduled'`,
    [`${OURS}%`],
  );
  state.foreignRemoved = (state.foreignRemoved ?? 0) + removed.rowCount;
}

async function settle() {
  const started = Date.now();
  await removeForeignScheduled();
  const asOf = state.payments
    .map((payment) => payment.response?.expectedPostingDate ?? '')
    .reduce((latest, date) => (date > latest ? date : latest), SETTLE_AS_OF);
  await setClock(`${asOf}T15:00:00.000Z`);
  let runResponse;
  for (let attemptNo = 1; attemptNo <= 3; attemptNo += 1) {
    runResponse = await call('POST', 'settlement', '/v1/settlement/run', {
      body: { asOf },
      timeoutMs: 300_000,
    });
    if (!retryable(runResponse)) break;
    await sleep(2000);
  }
  await setClock(START_CLOCK);
  await removeForeignScheduled();
  state.settlementRun = { asOf, status: runResponse.status, postedCount: runResponse.body?.postedCount };
  say(
    `POST /v1/settlement/run {"asOf":"${asOf}"} → ${describe(runResponse)}, posted ` +
      `${runResponse.body?.postedCount ?? '?'}; clock back at ${START_CLOCK}; other environments' payments ` +
      `removed from remit_chaos.settlement: ${state.foreignRemoved}`,
  );
  const deadline = started + SETTLE_CAP_MS;
  let notPosted = Infinity;
  let unpaid = Infinity;
  let receiptsMissing = Infinity;
  let notApplied = Infinity;
  while (Date.now() < deadline) {
    notPosted = await refreshStatuses(['posted']);
    unpaid = await countUnpaidInvoices();
    receiptsMissing = await countMissingReceipts();
    notApplied = await countNotAppliedAtIntake();
    if (notPosted === 0 && unpaid === 0 && receiptsMissing === 0 && notApplied === 0) break;
    await sleep(2000);
  }
  state.settle = { seconds: (Date.now() - started) / 1000, notPosted, unpaid, receiptsMissing, notApplied };
  say(
    `after ${seconds(Date.now() - started)} s: ${notPosted} answered payment(s) not posted, ${unpaid} invoice(s) ` +
      `not paid, ${receiptsMissing} receipt(s) missing, ${notApplied} posted payment(s) not yet known to ` +
      'intake as applied',
  );
}

async function countUnpaidInvoices() {
  const paid = new Set();
  await pool(state.customers, 8, async (customer) => {
    const response = await call('GET', 'invoice', `/v1/customers/${customer.customerId}/invoices?status=all`);
    if (response.status !== 200) return;
    for (const invoice of response.body) {
      const payment = state.byInvoice.get(invoice.invoiceId);
      if (payment) payment.invoice = { status: invoice.status, amountDueCents: invoice.amountDueCents };
      if (invoice.status === 'paid') paid.add(invoice.invoiceId);
    }
  });
  return state.payments.filter((payment) => !paid.has(payment.invoiceId)).length;
}

/** Posted payments whose payment.applied intake has not seen (it counts them as money in flight until then). */
async function countNotAppliedAtIntake() {
  try {
    const result = await db.query(
      `SELECT count(*)::int AS n FROM intake.payments
        WHERE customer_id LIKE $1 AND status = 'posted' AND applied_at IS NULL`,
      [`${OURS}%`],
    );
    return result.rows[0].n;
  } catch {
    return Infinity;
  }
}

async function countMissingReceipts() {
  try {
    const result = await db.query(
      `SELECT count(DISTINCT substring(body from 'Reference: ([0-9a-f-]{36})'))::int AS n
         FROM notification.notifications WHERE customer_id LIKE $1 AND type = 'payment.receipt'`,
      [`${OURS}%`],
    );
    return state.payments.filter((payment) => payment.paymentId).length - result.rows[0].n;
  } catch {
    return Infinity;
  }
}

// ---------------------------------------------------------------------------------------------- checks

async function query(sql, params = [`${OURS}%`]) {
  try {
    return (await db.query(sql, params)).rows;
  } catch (error) {
    note(`query failed (${error.message}): ${sql.replace(/\s+/g, ' ').slice(0, 80)}…`);
    return [];
  }
}

function note(text) {
  state.notes.push(text);
}

async function check() {
  const problems = new Map(); // payment → { lost: [], duplicated: [] }
  const flag = (payment, kind, reason) => {
    if (!problems.has(payment)) problems.set(payment, { lost: [], duplicated: [] });
    problems.get(payment)[kind].push(reason);
  };
  const byPaymentId = new Map();
  for (const payment of state.payments) {
    for (const id of [payment.paymentId, ...payment.dbPaymentIds]) if (id) byPaymentId.set(id, payment);
  }

  // Lost: no 201, not scheduled in time, never posted, invoice not paid.
  for (const payment of state.payments) {
    if (!payment.paymentId) {
      const exists =
        payment.dbPaymentIds.size > 0 ? `; yet intake holds ${[...payment.dbPaymentIds].join(', ')}` : '';
      flag(
        payment,
        'lost',
        `no 201 (${payment.error ?? 'never sent'}; ${summariseCodes(payment.codes)})${exists}`,
      );
      continue;
    }
    if (payment.scheduledAt === null && !['scheduled', 'posted'].includes(payment.apiStatus))
      flag(payment, 'lost', `never scheduled (status ${payment.apiStatus})`);
    if (payment.apiStatus !== 'posted') flag(payment, 'lost', `not posted (status ${payment.apiStatus})`);
    if (payment.invoice?.status !== 'paid')
      flag(payment, 'lost', `invoice ${payment.invoiceNumber} ${payment.invoice?.status ?? 'not found'}`);
    if (payment.response?.amountCents !== payment.amountCents)
      flag(
        payment,
        'lost',
        `201 for ${payment.response?.amountCents} cents, invoice of ${payment.amountCents}`,
      );
  }

  // Duplicated: more than one of anything per invoice, payment, key or event.
  const perInvoice = await query(
    `SELECT invoices->0->>'invoiceId' AS invoice_id, array_agg(payment_id::text) AS ids
       FROM intake.payments WHERE customer_id LIKE $1 GROUP BY 1 HAVING count(*) > 1`,
  );
  for (const row of perInvoice) {
    const payment = state.byInvoice.get(row.invoice_id);
    if (payment)
      flag(
        payment,
        'duplicated',
        `${row.ids.length} intake payments for one invoice (${row.ids.join(', ')})`,
      );
  }
  const perKey = await query(
    `SELECT idempotency_key, state FROM intake.idempotency_keys WHERE idempotency_key LIKE $1`,
  );
  const keyStates = {};
  for (const row of perKey) keyStates[row.state] = (keyStates[row.state] ?? 0) + 1;
  const settlementPerInvoice = await query(
    `SELECT invoices->0->>'invoiceId' AS invoice_id, count(*)::int AS n
       FROM settlement.settlement_payments WHERE customer_id LIKE $1 GROUP BY 1 HAVING count(*) > 1`,
  );
  for (const row of settlementPerInvoice) {
    const payment = state.byInvoice.get(row.invoice_id);
    if (payment) flag(payment, 'duplicated', `${row.n} settlement payments for one invoice`);
  }
  const applicationsPerPayment = await query(
    `SELECT payment_id::text AS id, count(*)::int AS n FROM invoice.payment_applications
      WHERE customer_id LIKE $1 GROUP BY 1 HAVING count(*) > 1`,
  );
  for (const row of applicationsPerPayment) {
    const payment = byPaymentId.get(row.id);
    if (payment) flag(payment, 'duplicated', `${row.n} applications of payment ${row.id}`);
  }
  const applicationsPerInvoice = await query(
    `SELECT invoice_id::text AS invoice_id, array_agg(payment_id::text) AS ids FROM invoice.payment_applications
      WHERE customer_id LIKE $1 GROUP BY 1 HAVING count(*) > 1`,
  );
  for (const row of applicationsPerInvoice) {
    const payment = state.byInvoice.get(row.invoice_id);
    if (payment)
      flag(payment, 'duplicated', `invoice paid by ${row.ids.length} applications (${row.ids.join(', ')})`);
  }
  const journals = await query(
    `SELECT substring(journal_id from 9) AS id, count(*)::int AS n, sum(debit_cents)::bigint AS debits
       FROM invoice.ledger_entries WHERE customer_id LIKE $1 AND journal_id LIKE 'payment:%' GROUP BY 1`,
  );
  for (const row of journals) {
    const payment = byPaymentId.get(row.id);
    if (payment && Number(row.debits) !== payment.amountCents)
      flag(
        payment,
        'duplicated',
        `ledger journal of ${row.n} lines debits ${row.debits} cents for ${payment.amountCents}`,
      );
  }
  const receipts = await query(
    `SELECT substring(body from 'Reference: ([0-9a-f-]{36})') AS id, count(*)::int AS n
       FROM notification.notifications WHERE customer_id LIKE $1 AND type = 'payment.receipt'
      GROUP BY 1 HAVING count(*) > 1`,
  );
  for (const row of receipts) {
    const payment = byPaymentId.get(row.id);
    if (payment) flag(payment, 'duplicated', `${row.n} receipts for payment ${row.id}`);
  }
  const receiptsPerEvent = await query(
    `SELECT event_id, count(*)::int AS n FROM notification.notifications
      WHERE customer_id LIKE $1 GROUP BY event_id, channel HAVING count(*) > 1`,
  );
  if (receiptsPerEvent.length > 0)
    note(`${receiptsPerEvent.length} event(s) with more than one notification row`);
  const credit = await query(
    `SELECT customer_id, credit_balance_cents::bigint AS cents FROM invoice.customers
      WHERE customer_id LIKE $1 AND credit_balance_cents > 0`,
  );
  for (const row of credit) note(`customer ${row.customer_id} holds ${row.cents} cents of credit (overpaid)`);
  for (const payment of state.payments) {
    const ids = new Set([payment.paymentId, ...payment.dbPaymentIds].filter(Boolean));
    if (ids.size > 1) flag(payment, 'duplicated', `payment ids ${[...ids].join(', ')} for one invoice`);
  }

  // What else the database says: status history, invoice's pending view, unsent outbox rows.
  const history = await query(
    `SELECT h.status, count(*)::int AS n FROM intake.payment_status_history h
       JOIN intake.payments p USING (payment_id) WHERE p.customer_id LIKE $1
      GROUP BY h.payment_id, h.status HAVING count(*) > 1`,
  );
  if (history.length > 0)
    note(`${history.length} payment(s) with a status recorded twice in intake's history`);
  const pending = await query(
    `SELECT status, count(*)::int AS n FROM invoice.pending_payments WHERE customer_id LIKE $1 GROUP BY 1`,
  );
  const notApplied = await query(
    `SELECT count(*)::int AS n FROM intake.payments WHERE customer_id LIKE $1 AND status = 'posted' AND applied_at IS NULL`,
  );
  const outbox = {};
  for (const schema of libs.infra.SERVICE_SCHEMAS) {
    const rows = await query(
      `SELECT count(*)::int AS n FROM ${schema}.outbox_events WHERE sent_at IS NULL`,
      [],
    );
    outbox[schema] = rows[0]?.n ?? '?';
  }
  const foreign = {};
  for (const [name, table] of [
    ['settlement payments', 'settlement.settlement_payments'],
    ['invoice views at intake', 'intake.invoice_view'],
    ['pending payments at invoice', 'invoice.pending_payments'],
    ['receipts at notification', 'notification.notifications'],
  ]) {
    const rows = await query(`SELECT count(*)::int AS n FROM ${table} WHERE customer_id NOT LIKE $1`);
    foreign[name] = rows[0]?.n ?? '?';
  }
  const foreignPosted = await query(
    `SELECT count(*)::int AS n FROM settlement.settlement_payments WHERE customer_id NOT LIKE $1 AND status = 'posted'`,
  );

  // The run's own settlement must have scheduled and posted each payment: another environment's
  // settlement (same topics) may have moved it at intake and invoice too, which must not hide a loss here.
  const settled = await query(
    `SELECT payment_id::text AS id, status FROM settlement.settlement_payments WHERE customer_id LIKE $1`,
  );
  const settledStatus = new Map(settled.map((row) => [row.id, row.status]));
  for (const payment of state.payments) {
    if (payment.paymentId && settledStatus.get(payment.paymentId) !== 'posted')
      flag(
        payment,
        'lost',
        `this run's settlement ${settledStatus.get(payment.paymentId) ?? 'never scheduled it'}`,
      );
  }
  const foreignMoves = await query(
    `SELECT h.status, count(*)::int AS n FROM intake.payment_status_history h
       JOIN intake.payments p USING (payment_id)
      WHERE p.customer_id LIKE $1 AND h.source_event_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM settlement.outbox_events o WHERE o.id::text = h.source_event_id)
      GROUP BY 1`,
  );
  const schedulers = await jobSchedulers();
  const ledger = await callPatiently('GET', 'invoice', '/v1/ledger/verify');
  const dlq = await deadLetters();

  const lost = [...problems].filter(([, found]) => found.lost.length > 0);
  const duplicated = [...problems].filter(([, found]) => found.duplicated.length > 0);
  const balanced = ledger.status === 200 && ledger.body?.balanced === true;
  return {
    problems,
    lost,
    duplicated,
    ledger: ledger.body ?? { error: describe(ledger) },
    balanced,
    keyStates,
    pending,
    notApplied: notApplied[0]?.n,
    outbox,
    foreign,
    foreignPosted: foreignPosted[0]?.n,
    foreignMoves,
    schedulers,
    dlq,
    late: state.scheduledWait?.remaining ?? 0,
    unrecovered: state.faults.filter((fault) => fault.seconds === null).map((fault) => fault.name),
    failed:
      lost.length > 0 ||
      duplicated.length > 0 ||
      !balanced ||
      (state.scheduledWait?.remaining ?? 0) > 0 ||
      state.faults.some((fault) => fault.seconds === null),
  };
}

function latency(values) {
  if (values.length === 0) return 'n/a';
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q) => seconds(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]);
  return `median ${at(0.5)} s, p95 ${at(0.95)} s, max ${seconds(sorted.at(-1))} s`;
}

function summariseCodes(codes) {
  const entries = Object.entries(codes);
  return entries.length === 0 ? 'no retries' : entries.map(([code, n]) => `${code} ×${n}`).join(', ');
}

/** Messages added to each `<topic>.dlq` during the run, told apart by who dead-lettered them and whose event. */
async function deadLetters() {
  const after = await dlqOffsets().catch(() => null);
  if (!after) return { error: 'Kafka did not answer' };
  const result = {};
  const ranges = [];
  for (const [topic, partitions] of Object.entries(after)) {
    for (const [partition, high] of Object.entries(partitions)) {
      const low = state.dlqBefore?.[topic]?.[partition] ?? 0;
      result[topic] = {
        before: low,
        added: (result[topic]?.added ?? 0) + (high - low),
        ours: 0,
        ourEvents: 0,
        codes: {},
      };
      if (high > low) ranges.push({ topic, partition: Number(partition), low, high });
    }
  }
  if (ranges.length === 0) return result;
  const groupId = `${GROUP_PREFIX}.dlq-reader`;
  await withAdmin(async (admin) => {
    for (const { topic, partition, low } of ranges)
      await admin.setOffsets({ groupId, topic, partitions: [{ partition, offset: String(low) }] });
  });
  const consumer = kafka().consumer({ groupId, maxWaitTimeInMs: 500 });
  const remaining = new Set(ranges.map(({ topic, partition }) => `${topic}/${partition}`));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(ranges.map(({ topic }) => topic))] });
    const done = new Promise((resolve) => {
      consumer.run({
        eachMessage: async ({ topic, partition, message }) => {
          const range = ranges.find((r) => r.topic === topic && r.partition === partition);
          const offset = Number(message.offset);
          if (range && offset >= range.low && offset < range.high) {
            const headers = Object.fromEntries(
              Object.entries(message.headers ?? {}).map(([name, value]) => [name, value?.toString()]),
            );
            const entry = result[topic];
            if (headers['dlq-consumer-group']?.startsWith(`${GROUP_PREFIX}.`)) entry.ours += 1;
            let customer = '';
            try {
              customer = JSON.parse(message.value.toString()).customerid ?? '';
            } catch {
              // not JSON: a poison message
            }
            if (customer.startsWith(OURS)) entry.ourEvents += 1;
            const code = `${headers['dlq-consumer-group'] ?? '?'}: ${headers['dlq-error-code'] ?? '?'}`;
            entry.codes[code] = (entry.codes[code] ?? 0) + 1;
          }
          if (range && offset >= range.high - 1) remaining.delete(`${topic}/${partition}`);
          if (remaining.size === 0) resolve();
        },
      });
    });
    await Promise.race([done, sleep(30_000)]);
  } catch (error) {
    note(`reading the dead letters failed: ${error.message}`);
  } finally {
    await consumer.disconnect().catch(() => {});
  }
  return result;
}

// ---------------------------------------------------------------------------------------------- report

function printReport(verdict) {
  const { problems } = verdict;
  const windowOf = (payment) => [payment.firstSentAt ?? Infinity, payment.scheduledAt ?? Infinity];
  const attributed = (fault) => {
    const end = fault.recoveredAt ?? fault.at + RECOVERY_CAP_MS;
    const hit = { lost: 0, duplicated: 0 };
    for (const [payment, found] of problems) {
      const [from, to] = windowOf(payment);
      if (from <= end && to >= fault.at) {
        if (found.lost.length > 0) hit.lost += 1;
        if (found.duplicated.length > 0) hit.duplicated += 1;
      }
    }
    return hit;
  };
  const rows = state.faults.map((fault) => {
    const hit = attributed(fault);
    return [
      fault.name,
      `${fault.inFlight} (${fault.awaitingAnswer} awaiting 201, ${fault.notScheduled} not scheduled${fault.loadRunning ? '' : ', load over'})`,
      fault.seconds === null ? `not within ${RECOVERY_CAP_MS / 1000}` : fault.seconds.toFixed(1),
      String(hit.lost),
      String(hit.duplicated),
    ];
  });
  const outside = { lost: 0, duplicated: 0 };
  for (const [payment, found] of problems) {
    const [from, to] = windowOf(payment);
    const inAny = state.faults.some(
      (fault) => from <= (fault.recoveredAt ?? fault.at + RECOVERY_CAP_MS) && to >= fault.at,
    );
    if (!inAny) {
      if (found.lost.length > 0) outside.lost += 1;
      if (found.duplicated.length > 0) outside.duplicated += 1;
    }
  }
  rows.push(['(in no fault window)', '', '', String(outside.lost), String(outside.duplicated)]);
  rows.push([
    'total',
    `${state.payments.length} payments`,
    '',
    String(verdict.lost.length),
    String(verdict.duplicated.length),
  ]);
  step(`result of chaos run ${runId}`);
  printTable(['fault', 'payments in flight', 'seconds to recover', 'lost', 'duplicated'], rows);

  const c = counts();
  const replays = state.payments.filter((payment) => payment.replayed).length;
  const attempts = state.payments.reduce((sum, payment) => sum + payment.attempts, 0);
  const codes = {};
  for (const payment of state.payments)
    for (const [code, n] of Object.entries(payment.codes)) codes[code] = (codes[code] ?? 0) + n;
  const loadSecondsTaken = ((state.loadEndedAt ?? Date.now()) - state.loadStartedAt) / 1000;
  const lines = [
    `payments: ${state.payments.length} (${PAYMENTS} load + ${state.payments.length - PAYMENTS} probe(s)); 201: ${c.answered}; ` +
      `refused or gave up: ${c.refused}; ${attempts} requests in ${loadSecondsTaken.toFixed(0)} s ` +
      `(${(c.answered / loadSecondsTaken).toFixed(1)} payments/s); ${replays} 201s were idempotent replays`,
    `retried answers: ${summariseCodes(codes)}`,
    `idempotency keys: ${Object.entries(verdict.keyStates)
      .map(([key, n]) => `${n} ${key}`)
      .join(', ')}`,
    `scheduled: ${state.scheduledWait?.remaining === 0 ? 'all' : `${state.scheduledWait?.remaining} NOT`} within ` +
      `${SCHEDULED_WITHIN_MS / 1000} s of ${state.scheduledWait?.from} (${state.scheduledWait?.seconds.toFixed(1)} s)`,
    `settlement run as of ${state.settlementRun?.asOf}: ${state.settlementRun?.status}, posted ${state.settlementRun?.postedCount}; ` +
      `after ${state.settle?.seconds.toFixed(1)} s: ${state.settle?.notPosted} not posted, ${state.settle?.unpaid} invoices not paid, ` +
      `${state.settle?.receiptsMissing} receipts missing, ${state.settle?.notApplied} not applied at intake`,
    `lost: ${verdict.lost.length}`,
    ...verdict.lost.slice(0, 10).map(([payment, found]) => `    ${payment.key}: ${found.lost.join('; ')}`),
    `duplicated: ${verdict.duplicated.length}`,
    ...verdict.duplicated
      .slice(0, 10)
      .map(([payment, found]) => `    ${payment.key}: ${found.duplicated.join('; ')}`),
    `ledger: ${verdict.balanced ? 'balanced' : 'NOT BALANCED'} (${JSON.stringify(verdict.ledger)})`,
    `invoice pending payments: ${verdict.pending.map((row) => `${row.n} ${row.status}`).join(', ')}; ` +
      `posted at intake but not applied: ${verdict.notApplied}`,
    `unsent outbox rows: ${Object.entries(verdict.outbox)
      .map(([schema, n]) => `${schema} ${n}`)
      .join(', ')}`,
    `dead letters added during the run: ${describeDeadLetters(verdict.dlq)}`,
    `other environments' rows in ${DATABASE} (none expected: its own broker): ${Object.entries(
      verdict.foreign,
    )
      .map(([what, n]) => `${what} ${n}`)
      .join(
        ', ',
      )}; removed before posting ${state.foreignRemoved ?? 0}, posted anyway ${verdict.foreignPosted}`,
    `this run's payments moved on by another environment's settlement (its events, not this run's): ` +
      `${verdict.foreignMoves.map((row) => `${row.n} to ${row.status}`).join(', ') || 'none'}`,
    `BullMQ job schedulers at the end: ${verdict.schedulers.join(', ') || 'none'}` +
      (state.schedulersBeforeRedis
        ? `; before the Redis fault: ${state.schedulersBeforeRedis.join(', ') || 'none'}` +
          `; missing since: ${
            state.schedulersBeforeRedis.filter((id) => !verdict.schedulers.includes(id)).join(', ') || 'none'
          }`
        : ''),
    `payments the services dated on another day than the test clock's (${START_CLOCK.slice(0, 10)}): ${
      state.payments.filter(
        (p) => p.response?.businessDate && p.response.businessDate !== START_CLOCK.slice(0, 10),
      ).length
    }`,
    `201 → scheduled (monitored each second): ${latency(
      state.payments.filter((p) => p.answeredAt && p.scheduledAt).map((p) => p.scheduledAt - p.answeredAt),
    )}`,
    `services that exited on their own: ${
      state.unexpectedExits
        .map((exit) => `${exit.service} at ${exit.at} s (${exit.signal ?? exit.code}, ${exit.phase})`)
        .join(', ') || 'none'
    }`,
    ...state.faults
      .filter((fault) => fault.error)
      .map((fault) => `fault ${fault.name} failed: ${fault.error}`),
    ...state.faults.map((fault) => `${fault.name}: ${fault.detail}${describeProbe(fault)}`),
    ...state.notes.map((text) => `note: ${text}`),
    ...(state.monitorErrors > 0
      ? [`status monitor: ${state.monitorErrors} reads of remit_chaos failed`]
      : []),
    `time: ${elapsed()} s of the ${BUDGET_S} s budget; record in ${path.relative(ROOT, REPORT_FILE)}`,
    verdict.failed
      ? '✘ FAILED: ' +
        [
          verdict.lost.length > 0 ? `${verdict.lost.length} lost` : '',
          verdict.duplicated.length > 0 ? `${verdict.duplicated.length} duplicated` : '',
          verdict.balanced ? '' : 'ledger unbalanced',
          verdict.late > 0 ? `${verdict.late} not scheduled in time` : '',
          verdict.unrecovered.length > 0 ? `no recovery from ${verdict.unrecovered.join(', ')}` : '',
        ]
          .filter(Boolean)
          .join(', ')
      : '✔ nothing lost, nothing duplicated, ledger balanced',
  ];
  for (const line of lines) console.log(line);
  writeRecord(verdict);
}

/** The probe's 201 ends the recovery; its `scheduled` (seen by the monitor) shows when the Kafka path works again. */
function describeProbe(fault) {
  const probe = state.payments.find((payment) => payment.key === fault.probe);
  if (!probe) return '';
  const scheduled = probe.scheduledAt
    ? `, scheduled ${seconds(probe.scheduledAt - fault.at)} s after the fault`
    : ', never seen scheduled';
  return `; probe ${probe.key}: 201 ${seconds(probe.answeredAt - fault.at)} s${scheduled}`;
}

function describeDeadLetters(dlq) {
  if (dlq.error) return dlq.error;
  const parts = Object.entries(dlq)
    .filter(([, entry]) => entry.added > 0)
    .map(
      ([topic, entry]) =>
        `${topic} +${entry.added} (by this run ${entry.ours}, of this run's events ${entry.ourEvents}; ` +
        `${Object.entries(entry.codes)
          .map(([code, n]) => `${code} ×${n}`)
          .join(', ')})`,
    );
  const before = Object.values(dlq).reduce((sum, entry) => sum + entry.before, 0);
  return `${parts.join('; ') || 'none'} (${before} were there before the run)`;
}

function printTable(header, rows) {
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells) => `| ${cells.map((cell, i) => cell.padEnd(widths[i])).join(' | ')} |`;
  console.log(line(header));
  console.log(`| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`);
  for (const row of rows) console.log(line(row));
}

function writeRecord(verdict) {
  const relative = (at) => (at ? Number(((at - t0) / 1000).toFixed(2)) : null);
  const record = {
    runId,
    options: {
      payments: PAYMENTS,
      rate: RATE,
      concurrency: CONCURRENCY,
      faults: options.faults,
      gapMs: GAP_MS,
    },
    budgetSeconds: BUDGET_S,
    faults: state.faults.map((fault) => ({
      ...fault,
      at: relative(fault.at),
      recoveredAt: relative(fault.recoveredAt),
    })),
    unexpectedExits: state.unexpectedExits,
    scheduledWait: state.scheduledWait,
    settlementRun: state.settlementRun,
    settle: state.settle,
    ledger: verdict.ledger,
    dlq: verdict.dlq,
    foreign: verdict.foreign,
    notes: state.notes,
    problems: [...verdict.problems].map(([payment, found]) => ({
      key: payment.key,
      paymentId: payment.paymentId,
      ...found,
    })),
    payments: state.payments.map((payment) => ({
      key: payment.key,
      probe: payment.probe,
      invoiceId: payment.invoiceId,
      paymentId: payment.paymentId,
      dbPaymentIds: [...payment.dbPaymentIds],
      attempts: payment.attempts,
      codes: payment.codes,
      error: payment.error,
      firstSentAt: relative(payment.firstSentAt),
      answeredAt: relative(payment.answeredAt),
      scheduledAt: relative(payment.scheduledAt),
      apiStatus: payment.apiStatus,
      invoice: payment.invoice,
    })),
  };
  fs.writeFileSync(REPORT_FILE, `${JSON.stringify(record, null, 1)}\n`);
}

// ---------------------------------------------------------------------------------------------- clean-up

let cleaning;
function cleanup() {
  cleaning ??= (async () => {
    state.stopping = true;
    console.log('\n▸ clean-up: stopping the services, checking its Kafka broker, PostgreSQL and Redis');
    await Promise.all([...state.handles.values()].map((handle) => stopChild(handle.child)));
    if (libs) {
      const restored = [];
      try {
        if (await ensurePostgresBack()) restored.push('PostgreSQL');
        if (await ensureRedisBack()) restored.push('Redis');
        if (await ensureBrokerBack(state.broker, { instance: KAFKA, logFile: KAFKA_RESTART_LOG }))
          restored.push('Kafka');
      } catch (error) {
        console.error(`✘ clean-up could not bring the infrastructure back: ${error.message}`);
      }
      if (restored.length > 0) console.log(`  started again: ${restored.join(', ')}`);
      await withAdmin(async (admin) => {
        const { groups } = await admin.listGroups();
        const ours = groups.map((group) => group.groupId).filter((id) => id.startsWith(`${GROUP_PREFIX}.`));
        if (ours.length > 0) await admin.deleteGroups(ours);
      }).catch(() => {});
    }
    await db?.end().catch(() => {});
    if (lockTaken) fs.rmSync(LOCK_FILE, { force: true });
  })();
  return cleaning;
}

async function outOfBudget() {
  console.error(`\n✘ the time budget of ${BUDGET_S} s is spent (phase: ${state.phase}); stopping`);
  await cleanup();
  process.exit(3);
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    console.error(`\n✘ ${signal}: stopping`);
    void cleanup().then(() => process.exit(130));
  });
}
process.on('exit', () => {
  // Last resort (an uncaught error): never leave services behind.
  for (const handle of state.handles.values()) if (!hasExited(handle.child)) handle.child.kill('SIGKILL');
});

let code;
try {
  code = await main();
} catch (error) {
  console.error(`✘ chaos run failed in phase ${state.phase}: ${error.stack ?? error}`);
  code = 2;
}
await cleanup();
process.exit(code);
