#!/usr/bin/env node
// `npm run bench:flow [-- --payments N --concurrency C --pgbench-seconds S --warmup W --label L --no-build]`: the speed
// of the whole payment flow through the public API, and in the same run the ceiling PostgreSQL itself sets
// for the same writes (docs/performance.md).
//
// 1. Builds the code into .run/bench/dist (its own copy), creates database remit_bench afresh and migrates
//    it, flushes Redis db 7, starts its own Kafka broker on 127.0.0.1:9094 (files in .run/bench-kafka/,
//    the same jars; left running for the next run, `node scripts/infra.mjs down` stops it) unless it runs,
//    and the four services on it (ports 4201-4204, KAFKA_GROUP_PREFIX remit-bench-<run id>, set to start
//    at the end of every topic, NODE_ENV=development, LOG_LEVEL=warn, logs in .run/bench/<service>.log).
//    Its events never reach the broker of `npm start` and `npm test` (KAFKA_BROKERS).
//    Then a warm-up (--warmup W, default 2000; 0 for none): W payments of their own customers through
//    steps 2-4, not measured, the clock set back after — the services' code optimised by V8 first, so
//    that the figures are those of services that have been up a while, not of their first minute.
// 2. Test clock at Monday 2026-11-23 10:00 New York; creates customers (40 invoices each) and measures
//    issue→payable lag: from the invoice.issued event (made at invoice just before its commit) until intake
//    wrote it into its view (invoice_view.updated_at → received_at, both in remit_bench). The invoices are
//    issued C at a time, or at R per second under --rate R (the lag at that offered load).
// 3. Pays every invoice once, in full, by ACH, C requests at a time or R per second (--rate; one
//    Idempotency-Key each): intake payments/s and latency p50/p95/p99.
// 4. Once every payment is `scheduled`, one `POST /v1/settlement/run` at the posting date; waits until every
//    invoice is paid. End-to-end payments/s = N / (first request → last invoice paid).
// 5. CPU milliseconds per payment (from /proc, over steps 3-4) of each service and of PostgreSQL (every
//    postgres process: other databases' work on this machine counts too), its Kafka broker and Redis.
// 6. pgbench (bench/pgbench/payment-flow.sql, one run = one payment's writes) for --pgbench-seconds at C
//    clients, in a scratch schema of remit_bench: payments/s, and the ratio end-to-end / ceiling.
// Between steps 2 and 3, each process' CPU over --idle-seconds S (10) with no traffic: idle CPU % of a core.
// With --repeat K, steps 2-5 run K times (new customers, the clock set back between) and every run's figures
// are printed with their median; the top-level figures of the JSON are the first run's, `runs` holds all.
// Prints a table; writes .run/bench/flow-<run id>.json (and --out FILE). Speed is never asserted in tests.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

import { tcpOpen } from './infra/common.mjs';
import { KAFKA_INSTANCES } from './infra/kafka.mjs';
import { consumerGroupsIn } from './lib/consumer-groups.mjs';
import { ROOT, healthStatus, services, startService, startSmtpSink, stopChild } from './lib/services.mjs';

const BENCH_DIR = path.join(ROOT, '.run', 'bench');
const DIST_DIR = '.run/bench/dist';
const DATABASE = 'remit_bench';
const TCP_DATABASE_URL = `postgres://postgres@127.0.0.1:5432/${DATABASE}`;
const REDIS_URL = 'redis://127.0.0.1:6379/7';
/** Its own broker (scripts/infra/kafka.mjs): the thousands of events of a run stay off KAFKA_BROKERS. */
const KAFKA = KAFKA_INSTANCES.bench;
/** notification's mail goes to this run's own SMTP sink (scripts/smtp-sink.mjs), kept in MAIL_DIR. */
const SMTP_URL = 'smtp://127.0.0.1:4225';
const MAIL_DIR = path.join('.run', 'bench', 'mail');
const MAIL_PATH = path.join(ROOT, MAIL_DIR);
/** An ACH payment makes two: "payment received" when submitted, the receipt when applied. */
const EMAILS_PER_PAYMENT = 2;
const PORTS = {
  INTAKE_PORT: '4201',
  INVOICE_PORT: '4202',
  SETTLEMENT_PORT: '4203',
  NOTIFICATION_PORT: '4204',
};
/** Monday 2026-11-23 10:00 in New York: a business day before the cutoff; ACH posts Wednesday 2026-11-25. */
const START_CLOCK = '2026-11-23T15:00:00.000Z';
const INVOICES_PER_CUSTOMER = 40;
const PGBENCH_SCRIPT = path.join(ROOT, 'bench', 'pgbench', 'payment-flow.sql');
const PGBENCH_SETUP = path.join(ROOT, 'bench', 'pgbench', 'setup.sql');
const ACH = {
  type: 'ach',
  routingNumber: '021000021',
  accountNumber: '000123456789',
  accountNumberConfirmation: '000123456789',
  accountHolderName: 'Bench Corp',
};

const { values: options } = parseArgs({
  options: {
    payments: { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '16' },
    'pgbench-seconds': { type: 'string', default: '20' },
    label: { type: 'string', default: '' },
    out: { type: 'string' },
    'no-build': { type: 'boolean', default: false },
    'pg-socket': { type: 'string' },
    rate: { type: 'string' },
    warmup: { type: 'string', default: '2000' },
    repeat: { type: 'string', default: '1' },
    'no-vacuum': { type: 'boolean', default: false },
    'idle-seconds': { type: 'string', default: '10' },
    help: { type: 'boolean', default: false },
  },
});
if (options.help) {
  console.log(
    'usage: npm run bench:flow [-- --payments N (1000) --concurrency C (16) --pgbench-seconds S (20) --label L --out FILE --no-build --pg-socket DIR --rate R --warmup W (2000) --repeat K (1) --no-vacuum --idle-seconds S (10)]',
  );
  process.exit(0);
}
const positive = (name) => {
  const value = Number(options[name]);
  if (!Number.isSafeInteger(value) || value <= 0) {
    console.error(`--${name} must be a positive integer`);
    process.exit(2);
  }
  return value;
};
const PAYMENTS = positive('payments');
// --warmup W: W payments through the same whole flow before the measured one, not measured (0: none).
const WARMUP = Number(options.warmup);
if (!Number.isSafeInteger(WARMUP) || WARMUP < 0) {
  console.error('--warmup must be a non-negative integer');
  process.exit(2);
}
// --no-vacuum: measure the tables as the warm-up left them, never vacuumed nor analysed when the
// server runs without autovacuum (as the project's CI machine does).
const VACUUM = !options['no-vacuum'];
const CONCURRENCY = positive('concurrency');
// --repeat K: the measured run K times on the same services and broker (new customers each time, the
// clock set back between), each run's figures and their median printed: a code change's effect told
// from the machine's run-to-run spread (docs/performance.md).
const REPEAT = positive('repeat');
const PGBENCH_SECONDS = positive('pgbench-seconds');
// --idle-seconds S: how long the services' idle CPU is measured (a few tenths of a per cent of a core
// differ between 10 s windows; a minute tells a change of that size).
const IDLE_SECONDS = positive('idle-seconds');
// --rate R: the payments are offered at R per second (open loop) instead of C at a time.
const RATE = options.rate === undefined ? undefined : positive('rate');
// --pg-socket /var/run/postgresql: services, this script and pgbench reach PostgreSQL through its Unix
// socket instead of TCP on 127.0.0.1 (a co-located database; docs/performance.md).
const DATABASE_URL = options['pg-socket']
  ? `${TCP_DATABASE_URL}?host=${encodeURIComponent(options['pg-socket'])}`
  : TCP_DATABASE_URL;
const runId = new Date().toISOString().replace(/[-:]/g, '').slice(0, 15);
const OURS = `bench-${runId}-`;
/** The warm-up's customers and invoices: a prefix that OURS% does not match. */
const WARMUP_PREFIX = `bench-${runId}w-`;
const env = {
  ...process.env,
  ...PORTS,
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  DATABASE_URL,
  REDIS_URL,
  SMTP_URL,
  MAIL_DIR,
  SMTP_SINK_QUIET: '1',
  KAFKA_BROKERS: KAFKA.brokers,
  KAFKA_GROUP_PREFIX: `remit-bench-${runId}`,
  DB_MIGRATIONS_RUN: 'false',
};
const SERVICES = services(env);
const url = Object.fromEntries(SERVICES.map((service) => [service.name, `http://127.0.0.1:${service.port}`]));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line) => console.log(`  ${line}`);
const step = (line) => console.log(`\n▸ ${line}`);

let libs;
let db;
let kafkaPid;
let smtpSink;
const children = new Map();

// ---------------------------------------------------------------------------------------------- helpers

function run(command, args, extraEnv = {}) {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    env: { ...env, ...extraEnv },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return {
    status: result.status,
    output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ?? ''}`,
  };
}

let opsToken;
async function call(method, service, urlPath, { token, body, headers = {} } = {}) {
  opsToken ??= libs.devToken('ops');
  try {
    const response = await fetch(`${url[service]}${urlPath}`, {
      method,
      headers: {
        authorization: `Bearer ${token ?? opsToken}`,
        'content-type': 'application/json',
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(300_000),
    });
    const text = await response.text();
    let json;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: response.status, body: json };
  } catch (error) {
    return { status: null, body: { error: { code: error.cause?.code ?? error.name } } };
  }
}

async function must(method, service, urlPath, request, expected = [200, 201]) {
  for (let attempt = 1; ; attempt += 1) {
    const response = await call(method, service, urlPath, request);
    if (expected.includes(response.status)) return response;
    if (attempt >= 5 || (response.status !== null && response.status < 500 && response.status !== 409)) {
      throw new Error(`${method} ${urlPath} → ${response.status} ${JSON.stringify(response.body)}`);
    }
    await sleep(200 * attempt);
  }
}

async function pool(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/**
 * Open loop: starts `fn` for item i at `i / perSecond` seconds, whether or not earlier ones have
 * answered (as clients arriving at a fixed rate do), so that latency is measured at an offered load
 * rather than at a fixed number of requests in flight.
 */
async function paced(items, perSecond, fn) {
  const started = performance.now();
  const running = [];
  for (const [index, item] of items.entries()) {
    const due = started + (index * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    running.push(fn(item, index));
  }
  await Promise.all(running);
}

async function waitFor(what, check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value === true) return;
    if (Date.now() > deadline)
      throw new Error(`${what}: not reached within ${timeoutMs / 1000} s (${value})`);
    await sleep(100);
  }
}

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function summarise(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const round = (value) => (value === null ? null : Math.round(value * 10) / 10);
  return {
    p50: round(percentile(sorted, 50)),
    p95: round(percentile(sorted, 95)),
    p99: round(percentile(sorted, 99)),
  };
}

// ---------------------------------------------------------------------------------------------- mail

const mailCount = () => (fs.existsSync(MAIL_PATH) ? fs.readdirSync(MAIL_PATH).length : 0);

/**
 * Waits until the sink holds `expected` e-mails, or none has arrived for 10 s (at most 3 minutes):
 * the CPU figures then cover the payments' notifications, not only what was sent before the last
 * invoice was paid.
 */
async function mailSettled(expected, startedAt, before = 0) {
  step(`the payments' e-mails (${expected} expected at the SMTP sink)`);
  const deadline = Date.now() + 180_000;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const count = mailCount() - before;
    if (count !== last) {
      last = count;
      lastChange = Date.now();
    }
    if (count >= expected || Date.now() - lastChange > 10_000 || Date.now() > deadline) break;
    await sleep(200);
  }
  const seconds = (lastChange - startedAt) / 1000;
  say(`${last} e-mails, the last ${seconds.toFixed(1)} s after the first payment request`);
  return { count: last, seconds };
}

// ---------------------------------------------------------------------------------------------- CPU

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/**
 * CPU ms of `pid` (utime + stime; 0 when it is gone), and with `reaped` also of its children that have
 * ended (cutime + cstime: a process's children's CPU is added there when it waits for them).
 */
function cpuMsOf(pid, { reaped = false } = {}) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks =
      Number(fields[11]) + Number(fields[12]) + (reaped ? Number(fields[13]) + Number(fields[14]) : 0);
    return (ticks * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Seconds since `pid` started (null when it is gone): /proc/<pid>/stat starttime against /proc/uptime. */
function processAgeSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    return Math.round(uptime - startTicks / TICKS_PER_SECOND);
  } catch {
    return null;
  }
}

function pidsOf(pattern, { exact = false } = {}) {
  const result = spawnSync('pgrep', [exact ? '-x' : '-f', pattern], { encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .map(Number)
    .filter((pid) => pid > 0 && pid !== process.pid);
}

function cpuSnapshot() {
  const snapshot = {};
  for (const [name, child] of children) snapshot[name] = cpuMsOf(child.pid);
  const sum = (pids, options) => pids.reduce((total, pid) => total + cpuMsOf(pid, options), 0);
  // With the backends that ended (a pool closing an idle connection, the bench's own clients): their CPU
  // moves to the postmaster's cutime/cstime. Summing live processes alone counted a backend that ended
  // during the window as negative (all of its CPU left the sum), and one that began and ended in it as
  // nothing: PostgreSQL figures before part 11 are low by that much.
  snapshot.postgresql = sum(pidsOf('postgres', { exact: true }), { reaped: true });
  // The bench's own broker (its pid, found at set-up): the machine's other brokers are not ours.
  snapshot.kafka = kafkaPid ? cpuMsOf(kafkaPid) : 0;
  snapshot.redis = sum(pidsOf('redis-server', { exact: true }));
  return snapshot;
}

/** The pid of the process listening on TCP `port` (`ss`), or null. */
function listenerPid(port) {
  const result = spawnSync('ss', ['-ltnpH', `sport = :${port}`], { encoding: 'utf8' });
  const match = /pid=(\d+)/.exec(result.stdout ?? '');
  return match ? Number(match[1]) : null;
}

// ---------------------------------------------------------------------------------------------- phases

async function setUp() {
  const load = (file) => import(pathToFileURL(path.join(ROOT, 'scripts', file)).href);
  const [infra, token, pg] = await Promise.all([load('infra.mjs'), load('token.mjs'), import('pg')]);
  libs = { infra, devToken: token.devToken, pg: pg.default };
  fs.mkdirSync(BENCH_DIR, { recursive: true });

  step(`build (into ${DIST_DIR}), database ${DATABASE} afresh, infrastructure`);
  if (options['no-build'] && fs.existsSync(path.join(ROOT, DIST_DIR, 'tools', 'migrate.js'))) {
    say('build skipped (--no-build)');
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
    if (build.status !== 0) throw new Error(`the build failed:\n${build.output}`);
    say('built');
  }
  await libs.infra.ensurePostgres({ quiet: true });
  const admin = new libs.pg.Client({ connectionString: 'postgres://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin.end();
  const { kafka } = await libs.infra.up({
    databaseUrl: DATABASE_URL,
    redisUrl: REDIS_URL,
    kafka: KAFKA,
    quiet: true,
  });
  // Whoever listens on its port (this checkout's broker, or one another checkout started there).
  kafkaPid = listenerPid(Number(KAFKA.brokers.split(':').at(-1))) ?? kafka.pid;
  say(
    `Kafka: the bench's own broker ${KAFKA.brokers} (${kafka.started ? `started in ${(kafka.ms / 1000).toFixed(1)} s` : 'already running'}` +
      `${kafkaPid ? `, pid ${kafkaPid}` : ''}; files in ${path.relative(ROOT, KAFKA.files.dir)}; left running, ` +
      '`node scripts/infra.mjs down` stops it)',
  );
  const flush = run('redis-cli', ['-n', '7', 'FLUSHDB']);
  if (flush.status !== 0) say(`redis-cli FLUSHDB: ${flush.output.trim()} (continuing)`);
  const migrate = run(
    'node',
    ['-r', './scripts/lib/register-dist-aliases.cjs', `${DIST_DIR}/tools/migrate.js`],
    {
      REMIT_DIST_DIR: path.join(ROOT, DIST_DIR),
    },
  );
  if (migrate.status !== 0) throw new Error(`migrations failed:\n${migrate.output}`);
  db = new libs.pg.Pool({ connectionString: DATABASE_URL, max: 3 });
  await startGroupsAtLatest();

  // Without a server there, every e-mail fails and is retried: notification's figures would be those
  // of refused connections, not of deliveries.
  fs.rmSync(MAIL_PATH, { recursive: true, force: true });
  smtpSink = startSmtpSink({ env });
  await waitFor('the SMTP sink', () => tcpOpen('127.0.0.1', Number(new URL(SMTP_URL).port)), 20_000);
  step(`services (logs in ${path.relative(ROOT, BENCH_DIR)}/<service>.log)`);
  for (const service of SERVICES) {
    const logFile = path.join(BENCH_DIR, `${service.name}.log`);
    fs.writeFileSync(logFile, '');
    children.set(service.name, startService(service, { env, distDir: DIST_DIR, logFile }));
  }
  await waitFor(
    'all services healthy',
    async () => {
      const statuses = await Promise.all(SERVICES.map((service) => healthStatus(service.port)));
      return statuses.every((status) => status === 200) || statuses.join(',');
    },
    180_000,
  );
  say(`healthy: ${SERVICES.map((service) => `${service.name} :${service.port}`).join(', ')}`);
  await must('PUT', 'settlement', '/v1/test/clock', { body: { now: START_CLOCK } });
}

/**
 * The consumer groups of the services (`<prefix>.<groupId>`), read from this run's build. Each run has
 * new groups, which start from the earliest offset: they would replay every earlier run's events on the
 * bench's broker (refused as unknown customers, dead-lettered) and bill that to this run. So their
 * offsets are set to the end of every topic (dead-letter topics aside) first.
 */
const consumerGroups = () => consumerGroupsIn(path.join(ROOT, DIST_DIR, 'apps'));

async function kafkaAdmin() {
  const { default: kafkajs } = await import('kafkajs');
  const kafka = new kafkajs.Kafka({
    clientId: 'remit-bench',
    brokers: env.KAFKA_BROKERS.split(','),
    logLevel: kafkajs.logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  return admin;
}

async function startGroupsAtLatest() {
  const admin = await kafkaAdmin();
  try {
    // kafkajs joins the group to set its offsets (a few seconds each): the groups in parallel.
    const topics = (await admin.listTopics()).filter(
      (topic) => !topic.startsWith('__') && !topic.endsWith('.dlq'),
    );
    const ends = await Promise.all(
      topics.map(async (topic) => ({
        topic,
        partitions: (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => ({
          partition,
          offset: high,
        })),
      })),
    );
    await Promise.all(
      consumerGroups().map(async (group) => {
        for (const { topic, partitions } of ends) {
          await admin.setOffsets({ groupId: `${env.KAFKA_GROUP_PREFIX}.${group}`, topic, partitions });
        }
      }),
    );
  } finally {
    await admin.disconnect();
  }
  say("consumer groups start at the end of every topic (earlier runs' events are not replayed)");
}

/** Warns about groups of this run not found in the build (they replayed old events). */
async function checkGroupsListed() {
  const admin = await kafkaAdmin();
  try {
    const prefix = `${env.KAFKA_GROUP_PREFIX}.`;
    const known = new Set(consumerGroups());
    const unlisted = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((id) => id.startsWith(prefix) && !known.has(id.slice(prefix.length)));
    if (unlisted.length > 0)
      say(`warning: groups not found in the build replayed old events: ${unlisted.join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}

async function deleteGroups() {
  const admin = await kafkaAdmin();
  try {
    const prefix = `${env.KAFKA_GROUP_PREFIX}.`;
    const ours = (await admin.listGroups()).groups
      .map((group) => group.groupId)
      .filter((id) => id.startsWith(prefix));
    if (ours.length > 0) await admin.deleteGroups(ours);
  } finally {
    await admin.disconnect();
  }
}

/**
 * The whole flow once with WARMUP payments of their own customers, not measured: the services' code is
 * compiled by then (V8 optimises a function after it has run many times; the first few hundred payments
 * of a fresh process spend a fifth of its CPU in the optimising compiler's threads), so the measured run
 * shows the steady state of a service that has been up for a while. The clock goes back to START_CLOCK.
 */
async function warmUp() {
  if (WARMUP === 0) return;
  console.log(`\n── warm-up: ${WARMUP} payments through the same flow, not measured`);
  const started = Date.now();
  const mailBefore = mailCount();
  const { payments } = await createInvoices(WARMUP, WARMUP_PREFIX, 3_000_000, null);
  // C at a time even under --rate: the warm-up is not measured, only run.
  const intake = await pay(payments, null);
  await settle(payments, WARMUP_PREFIX);
  await mailSettled(EMAILS_PER_PAYMENT * WARMUP, intake.startedAt, mailBefore);
  await must('PUT', 'settlement', '/v1/test/clock', { body: { now: START_CLOCK } });
  if (VACUUM) await vacuum();
  console.log(`── warm-up done in ${((Date.now() - started) / 1000).toFixed(1)} s; the measured run follows`);
}

/**
 * VACUUM (ANALYZE) of the bench database after the warm-up: a platform that has been up a while has
 * had its tables vacuumed and analysed by autovacuum. Without it (a server with autovacuum off, as
 * the project's CI machine runs) every sent outbox row and every finished notification stays in
 * the indexes as a dead entry that each queue scan walks, and the planner works without statistics.
 */
async function vacuum() {
  const { rows } = await db.query(`SELECT setting FROM pg_settings WHERE name = 'autovacuum'`);
  const started = Date.now();
  await db.query('VACUUM (ANALYZE)');
  say(
    `VACUUM (ANALYZE) in ${((Date.now() - started) / 1000).toFixed(1)} s (the server's autovacuum is ${rows[0]?.setting})`,
  );
}

async function createInvoices(count = PAYMENTS, prefix = OURS, firstAccount = 2_000_000, rate = RATE) {
  step(
    `customers and ${count} invoices (${INVOICES_PER_CUSTOMER} per customer)${rate ? `, issued at ${rate}/s` : ''}`,
  );
  const customerCount = Math.ceil(count / INVOICES_PER_CUSTOMER);
  const customers = Array.from({ length: customerCount }, (_, c) => ({
    customerId: `${prefix}c${String(c).padStart(4, '0')}`,
    accountNumber: String(firstAccount + c),
    invoiceCount: Math.min(INVOICES_PER_CUSTOMER, count - c * INVOICES_PER_CUSTOMER),
  }));
  await pool(customers, 8, (customer) =>
    must('POST', 'invoice', '/v1/customers', {
      body: {
        customerId: customer.customerId,
        name: `Bench ${customer.customerId}`,
        email: `ap-${customer.customerId}@example.com`,
        billingDelivery: 'email',
        accounts: [{ accountNumber: customer.accountNumber, siteName: 'Bench Site', city: 'HERND' }],
      },
    }),
  );
  const invoices = customers.flatMap((customer) =>
    Array.from({ length: customer.invoiceCount }, (_, i) => ({
      customer,
      invoiceNumber: `${prefix}${customer.accountNumber}-${i}`,
    })),
  );
  const started = Date.now();
  const payments = [];
  // Under --rate the invoices are issued at that rate too: the lag is then measured at that offered load.
  const issue = async (invoice) => {
    const response = await must('POST', 'invoice', '/v1/invoices', {
      body: {
        invoiceNumber: invoice.invoiceNumber,
        accountNumber: invoice.customer.accountNumber,
        invoiceDate: '2026-11-01',
        dueDate: '2026-12-01',
        lines: [{ description: 'Internet', amountCents: 10_000 + (payments.length % 97) * 101 }],
      },
    });
    payments.push({
      customerId: invoice.customer.customerId,
      invoiceId: response.body.invoiceId,
      key: invoice.invoiceNumber,
      token: libs.devToken('customer', [invoice.customer.customerId]),
    });
  };
  if (rate) await paced(invoices, rate, issue);
  else await pool(invoices, CONCURRENCY, issue);
  const issueSeconds = (Date.now() - started) / 1000;
  await waitFor(
    'intake knows every invoice',
    async () => {
      const { rows } = await db.query(
        'SELECT count(*)::int AS n FROM intake.invoice_view WHERE customer_id LIKE $1',
        [`${prefix}%`],
      );
      return rows[0].n >= payments.length || `${rows[0].n} of ${payments.length}`;
    },
    120_000,
  );
  // From the invoice.issued event's time (made at invoice just before its commit; the view's
  // updated_at) to intake writing it into its view (received_at). Code older than that column (an A/B
  // run against an earlier commit) has no such figure: null.
  const { rows: received } = await db.query(
    `SELECT 1 FROM information_schema.columns
      WHERE table_schema = 'intake' AND table_name = 'invoice_view' AND column_name = 'received_at'`,
  );
  const { rows } =
    received.length === 0
      ? { rows: [] }
      : await db.query(
          `SELECT EXTRACT(EPOCH FROM (view.received_at - view.updated_at)) * 1000 AS lag_ms
             FROM intake.invoice_view view
            WHERE view.customer_id LIKE $1`,
          [`${prefix}%`],
        );
  const lag = summarise(rows.map((row) => Math.max(0, Number(row.lag_ms))));
  say(
    `${payments.length} invoices issued in ${issueSeconds.toFixed(1)} s; issue→payable lag p50 ${lag.p50} ms, p99 ${lag.p99} ms`,
  );
  return { payments, lag, issuePerSecond: payments.length / issueSeconds };
}

async function pay(payments, rate = RATE) {
  step(
    rate
      ? `${payments.length} payments through POST /v1/payments, offered at ${rate}/s`
      : `${payments.length} payments through POST /v1/payments, ${CONCURRENCY} at a time`,
  );
  const latencies = [];
  const failures = {};
  const started = Date.now();
  const submit = async (payment) => {
    for (let attempt = 1; attempt <= 10; attempt += 1) {
      const sent = performance.now();
      const response = await call('POST', 'payment-intake', '/v1/payments', {
        token: payment.token,
        headers: { 'Idempotency-Key': payment.key },
        body: { customerId: payment.customerId, invoices: [{ invoiceId: payment.invoiceId }], method: ACH },
      });
      if (attempt === 1) latencies.push(performance.now() - sent);
      if (response.status === 201) {
        payment.paymentId = response.body.paymentId;
        payment.expectedPostingDate = response.body.expectedPostingDate;
        return;
      }
      const label = `${response.status} ${response.body?.error?.code ?? ''}`.trim();
      failures[label] = (failures[label] ?? 0) + 1;
      if (response.status !== null && response.status < 500 && response.status !== 409) return;
      await sleep(100 * attempt);
    }
  };
  if (rate) await paced(payments, rate, submit);
  else await pool(payments, CONCURRENCY, submit);
  const seconds = (Date.now() - started) / 1000;
  const accepted = payments.filter((payment) => payment.paymentId).length;
  const latency = summarise(latencies);
  say(
    `${accepted} accepted in ${seconds.toFixed(1)} s: ${(accepted / seconds).toFixed(1)} payments/s; latency p50 ${latency.p50} ms, ` +
      `p95 ${latency.p95} ms, p99 ${latency.p99} ms${Object.keys(failures).length ? `; refusals ${JSON.stringify(failures)}` : ''}`,
  );
  if (accepted !== payments.length)
    throw new Error(`${payments.length - accepted} payment(s) were not accepted`);
  return { startedAt: started, seconds, perSecond: accepted / seconds, latency, failures };
}

async function settle(payments, prefix = OURS) {
  step('every payment scheduled, one settlement run, every invoice paid');
  const count = async (sql) => (await db.query(sql, [`${prefix}%`])).rows[0].n;
  await waitFor(
    'every payment scheduled',
    async () => {
      const n = await count(
        `SELECT count(*)::int AS n FROM settlement.settlement_payments WHERE customer_id LIKE $1`,
      );
      return n >= payments.length || `${n} of ${payments.length}`;
    },
    300_000,
  );
  const scheduledAt = Date.now();
  const asOf = payments.map((payment) => payment.expectedPostingDate).reduce((a, b) => (b > a ? b : a));
  await must('PUT', 'settlement', '/v1/test/clock', { body: { now: `${asOf}T15:00:00.000Z` } });
  const runStarted = Date.now();
  const runResponse = await must('POST', 'settlement', '/v1/settlement/run', { body: { asOf } }, [200]);
  const runSeconds = (Date.now() - runStarted) / 1000;
  say(
    `POST /v1/settlement/run {"asOf":"${asOf}"} → ${JSON.stringify(runResponse.body).slice(0, 120)} in ${runSeconds.toFixed(1)} s`,
  );
  await waitFor(
    'every invoice paid',
    async () => {
      const n = await count(
        `SELECT count(*)::int AS n FROM invoice.invoices WHERE customer_id LIKE $1 AND status = 'paid'`,
      );
      return n >= payments.length || `${n} of ${payments.length} paid`;
    },
    600_000,
  );
  const paidAt = Date.now();
  say(`all paid ${((paidAt - runStarted) / 1000).toFixed(1)} s after the run started`);
  return { scheduledAt, runSeconds, paidAt, postingSeconds: (paidAt - runStarted) / 1000 };
}

function pgbench() {
  step(
    `pgbench ceiling: ${path.relative(ROOT, PGBENCH_SCRIPT)}, ${CONCURRENCY} clients, ${PGBENCH_SECONDS} s`,
  );
  const setup = run('psql', ['-q', '-v', 'ON_ERROR_STOP=1', '-d', DATABASE_URL, '-f', PGBENCH_SETUP]);
  if (setup.status !== 0) throw new Error(`pgbench setup failed:\n${setup.output}`);
  const threads = Math.max(1, Math.min(os.cpus().length, CONCURRENCY));
  const result = run('pgbench', [
    '-n',
    '-c',
    String(CONCURRENCY),
    '-j',
    String(threads),
    '-T',
    String(PGBENCH_SECONDS),
    '-f',
    PGBENCH_SCRIPT,
    DATABASE_URL,
  ]);
  if (result.status !== 0) throw new Error(`pgbench failed:\n${result.output}`);
  const tps = Number(/tps = ([\d.]+)/.exec(result.output)?.[1]);
  const latency = Number(/latency average = ([\d.]+) ms/.exec(result.output)?.[1]);
  say(
    `${tps.toFixed(1)} payments/s (one pgbench transaction script = one payment's writes), latency average ${latency} ms`,
  );
  return {
    paymentsPerSecond: tps,
    latencyAverageMs: latency,
    clients: CONCURRENCY,
    seconds: PGBENCH_SECONDS,
  };
}

// ---------------------------------------------------------------------------------------------- main

async function main() {
  console.log(`Remit bench:flow ${runId}: ${PAYMENTS} payments, concurrency ${CONCURRENCY}`);
  await setUp();
  await warmUp();
  const invoices = await createInvoices();
  await checkGroupsListed();
  const idleBefore = cpuSnapshot();
  await sleep(IDLE_SECONDS * 1000);
  const idleAfter = cpuSnapshot();
  const runs = [await measuredRun(invoices, OURS)];
  for (let index = 2; index <= REPEAT; index += 1) {
    console.log(`\n── measured run ${index} of ${REPEAT}`);
    await must('PUT', 'settlement', '/v1/test/clock', { body: { now: START_CLOCK } });
    const prefix = `bench-${runId}r${index}-`;
    runs.push(
      await measuredRun(await createInvoices(PAYMENTS, prefix, 2_000_000 + (index - 1) * 10_000), prefix),
    );
  }
  const [first] = runs;
  // The services, and what they cost PostgreSQL, the broker and Redis with no traffic (pollers, fetches).
  const idlePercent = Object.fromEntries(
    Object.keys(idleAfter).map((name) => [
      name,
      Math.round(((idleAfter[name] - idleBefore[name]) / (IDLE_SECONDS * 1000)) * 1000) / 10,
    ]),
  );
  const ceiling = pgbench();
  const result = {
    runId,
    label: options.label,
    at: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      model: os.cpus()[0]?.model,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      node: process.version,
    },
    command: `npm run bench:flow -- --payments ${PAYMENTS} --concurrency ${CONCURRENCY} --pgbench-seconds ${PGBENCH_SECONDS}${RATE ? ` --rate ${RATE}` : ''}${REPEAT > 1 ? ` --repeat ${REPEAT}` : ''}${options['pg-socket'] ? ` --pg-socket ${options['pg-socket']}` : ''} --warmup ${WARMUP}${VACUUM ? '' : ' --no-vacuum'}${IDLE_SECONDS !== 10 ? ` --idle-seconds ${IDLE_SECONDS}` : ''}`,
    payments: PAYMENTS,
    warmupPayments: WARMUP,
    vacuumedAfterWarmup: VACUUM && WARMUP > 0,
    concurrency: RATE ? null : CONCURRENCY,
    offeredPerSecond: RATE ?? null,
    intake: first.intake,
    endToEnd: first.endToEnd,
    issueToPayableLagMs: first.issueToPayableLagMs,
    // The CPU figures run until these had arrived (or stopped arriving): mailSettled.
    emails: first.emails,
    cpuMsPerPayment: first.cpuMsPerPayment,
    kafkaBroker: first.kafkaBroker,
    nodeCpuMsPerPayment: first.nodeCpuMsPerPayment,
    idleCpuPercentOfOneCore: idlePercent,
    idleSeconds: IDLE_SECONDS,
    pgbench: ceiling,
    endToEndOverCeiling:
      Math.round((first.endToEnd.paymentsPerSecond / ceiling.paymentsPerSecond) * 100) / 100,
    ...(runs.length > 1 ? { runs } : {}),
  };
  printTable(result);
  const file = path.join(BENCH_DIR, `flow-${runId}.json`);
  fs.writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  if (options.out) fs.writeFileSync(path.resolve(options.out), `${JSON.stringify(result, null, 2)}\n`);
  console.log(`\nwritten: ${path.relative(ROOT, file)}${options.out ? ` and ${options.out}` : ''}`);
  return 0;
}

/**
 * One measured run over invoices already issued (step 3-5): the payments, the settlement run, their
 * e-mails, and the CPU every process spent meanwhile.
 */
async function measuredRun(invoices, prefix) {
  const cpuBefore = cpuSnapshot();
  // A broker's first minutes of load include its JIT compiler's work (C2: 40 % of its CPU in one
  // measured window of a just-started broker): its figure is read with its age (docs/performance.md).
  const kafkaBroker = kafkaPid
    ? { upSecondsAtStart: processAgeSeconds(kafkaPid), cpuSecondsBefore: round1(cpuBefore.kafka / 1000) }
    : null;
  const mailBefore = mailCount();
  const intake = await pay(invoices.payments);
  const flow = await settle(invoices.payments, prefix);
  // The payments' e-mails trail the postings; their CPU belongs to the payments too.
  const mail = await mailSettled(EMAILS_PER_PAYMENT * PAYMENTS, intake.startedAt, mailBefore);
  const cpuAfter = cpuSnapshot();
  const endToEndSeconds = (flow.paidAt - intake.startedAt) / 1000;
  const endToEnd = PAYMENTS / endToEndSeconds;
  const cpuPerPayment = Object.fromEntries(
    Object.keys(cpuAfter).map((name) => [
      name,
      Math.round(((cpuAfter[name] - cpuBefore[name]) / PAYMENTS) * 10) / 10,
    ]),
  );
  return {
    intake: {
      paymentsPerSecond: round1(intake.perSecond),
      latencyMs: intake.latency,
      refusals: intake.failures,
    },
    endToEnd: {
      paymentsPerSecond: round1(endToEnd),
      seconds: round1(endToEndSeconds),
      settlementRunSeconds: round1(flow.runSeconds),
      runToAllPaidSeconds: round1(flow.postingSeconds),
    },
    issueToPayableLagMs: invoices.lag,
    emails: { received: mail.count, lastAfterSeconds: round1(mail.seconds) },
    cpuMsPerPayment: cpuPerPayment,
    kafkaBroker,
    nodeCpuMsPerPayment: round1([...children.keys()].reduce((sum, name) => sum + cpuPerPayment[name], 0)),
  };
}

function round1(value) {
  return Math.round(value * 10) / 10;
}

function printTable(result) {
  const rows = [
    ['intake payments/s', result.intake.paymentsPerSecond],
    [
      'intake latency p50 / p95 / p99 ms',
      `${result.intake.latencyMs.p50} / ${result.intake.latencyMs.p95} / ${result.intake.latencyMs.p99}`,
    ],
    ['end-to-end payments/s (first request → last invoice paid)', result.endToEnd.paymentsPerSecond],
    ['settlement run → all paid, s', result.endToEnd.runToAllPaidSeconds],
    [
      'issue→payable lag p50 / p99 ms',
      `${result.issueToPayableLagMs.p50} / ${result.issueToPayableLagMs.p99}`,
    ],
    ...Object.entries(result.cpuMsPerPayment).map(([name, ms]) => [`CPU ms per payment: ${name}`, ms]),
    ['CPU ms per payment: the four services', result.nodeCpuMsPerPayment],
    ...(result.kafkaBroker
      ? [
          [
            'kafka broker at the start: up s; CPU s so far',
            `${result.kafkaBroker.upSecondsAtStart}; ${result.kafkaBroker.cpuSecondsBefore}`,
          ],
        ]
      : []),
    [
      'e-mails at the SMTP sink; the last after, s',
      `${result.emails.received}; ${result.emails.lastAfterSeconds}`,
    ],
    ...Object.entries(result.idleCpuPercentOfOneCore).map(([name, pct]) => [
      `idle CPU % of a core: ${name}`,
      pct,
    ]),
    ['pgbench ceiling, payments/s', round1(result.pgbench.paymentsPerSecond)],
    ['end-to-end / ceiling', result.endToEndOverCeiling],
  ];
  const width = Math.max(...rows.map(([name]) => name.length));
  console.log('');
  if (result.runs) console.log('  (the first of the measured runs; all of them below)');
  for (const [name, value] of rows) console.log(`  ${name.padEnd(width)}  ${value}`);
  if (result.runs) printRuns(result.runs);
}

/** Each measured run's main figures, and their median: the spread a comparison has to beat. */
function printRuns(runs) {
  const columns = [
    ['intake/s', (run) => run.intake.paymentsPerSecond],
    ['p99 ms', (run) => run.intake.latencyMs.p99],
    ['e2e/s', (run) => run.endToEnd.paymentsPerSecond],
    ['lag p99', (run) => run.issueToPayableLagMs.p99],
    ['services', (run) => run.nodeCpuMsPerPayment],
    ...Object.keys(runs[0].cpuMsPerPayment).map((name) => [name, (run) => run.cpuMsPerPayment[name]]),
  ];
  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : round1((sorted[middle - 1] + sorted[middle]) / 2);
  };
  const lines = [
    ['run', ...columns.map(([name]) => name)],
    ...runs.map((run, index) => [String(index + 1), ...columns.map(([, of]) => String(of(run)))]),
    ['median', ...columns.map(([, of]) => String(median(runs.map(of))))],
  ];
  const widths = lines[0].map((_, column) => Math.max(...lines.map((line) => line[column].length)));
  console.log('\n  measured runs (CPU in ms per payment)');
  for (const line of lines)
    console.log(`  ${line.map((cell, column) => cell.padStart(widths[column])).join('  ')}`);
}

async function cleanup() {
  await Promise.all([...children.values()].map((child) => stopChild(child)));
  if (smtpSink) await stopChild(smtpSink.child);
  // The run's consumer groups: its broker stays up, and would keep them until their offsets expire.
  if (kafkaPid) await deleteGroups().catch(() => {});
  await db?.end().catch(() => {});
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => void cleanup().then(() => process.exit(130)));
}

let code;
try {
  code = await main();
} catch (error) {
  console.error(`✘ bench:flow failed: ${error.stack ?? error}`);
  code = 1;
}
await cleanup();
process.exit(code);
