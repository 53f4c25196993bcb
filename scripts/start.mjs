#!/usr/bin/env node
// `npm start`: installs what is missing, starts Kafka (and PostgreSQL/Redis if down), builds, migrates,
// starts the four services with prefixed logs, seeds the demo customer, and prints where each listens.
// Ctrl-C stops the services, and the Kafka broker if this run started it.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  prefixOutput,
  services,
  startService,
  startSmtpSink,
  stopChild,
  waitHealthy,
} from './lib/services.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// An unset NODE_ENV means production (its secrets are required); `npm start` is the local platform.
process.env.NODE_ENV ??= 'development';
const SERVICES = services(process.env);

const step = (text) => console.log(`\u001b[1m▸ ${text}\u001b[0m`);
function runOrExit(command, args, env = process.env) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.status !== 0) {
    console.error(`✘ ${command} ${args.join(' ')} failed`);
    process.exit(1);
  }
}

if (!existsSync(path.join(root, 'node_modules', '.bin', 'tsc'))) {
  step('installing npm packages (npm ci)');
  runOrExit('npm', ['ci', '--no-audit', '--no-fund']);
}

const infra = await import(pathToFileURL(path.join(root, 'scripts', 'infra.mjs')).href);
const { devToken } = await import(pathToFileURL(path.join(root, 'scripts', 'token.mjs')).href);
step('infrastructure');
const kafkaWasRunning = await infra.kafkaIsRunning();
await infra.up();

step('build (tsc) and migrations');
await infra.migrate();

step('SMTP sink');
const smtpSink = startSmtpSink();
if (smtpSink) prefixOutput(smtpSink.child, 'smtp-sink     | ');

step('services');
const children = [];
let stopping = false;
for (const service of SERVICES) {
  const child = startService(service, { env: { LOG_FORMAT: 'pretty', ...process.env } });
  prefixOutput(child, `\u001b[${service.color}m${service.name.padEnd(14)}|\u001b[0m `);
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`✘ ${service.name} exited (${signal ?? code}); stopping the others`);
      void shutdown(1);
    }
  });
  children.push(child);
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  console.log('\n▸ stopping services');
  await Promise.all(children.map((child) => stopChild(child)));
  if (smtpSink) await stopChild(smtpSink.child);
  if (!kafkaWasRunning) {
    console.log('▸ stopping the Kafka broker this run started');
    await infra.stopKafka();
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

try {
  await Promise.all(SERVICES.map((service) => waitHealthy(service)));
} catch (error) {
  console.error(`✘ ${error.message}`);
  await shutdown(1);
}

step('seed the demo customer');
const seed = JSON.parse(readFileSync(path.join(root, 'scripts', 'seed', 'demo-customer.json'), 'utf8'));
const opsToken = devToken('ops');
const invoiceUrl = `http://127.0.0.1:${SERVICES[1].port}`;
async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${opsToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 201 && response.status !== 409) {
    throw new Error(`POST ${url} → ${response.status} ${await response.text()}`);
  }
  return response.status;
}
try {
  const created = await post(`${invoiceUrl}/v1/customers`, seed.customer);
  for (const invoice of seed.invoices) await post(`${invoiceUrl}/v1/invoices`, invoice);
  console.log(`✔ demo customer ${seed.customer.customerId} ${created === 201 ? 'created' : 'already there'}`);
} catch (error) {
  console.error(`✘ seeding failed: ${error.message}`);
}

console.log('\n\u001b[1mRemit is up\u001b[0m');
for (const service of SERVICES) {
  console.log(
    `  ${service.name.padEnd(14)} http://127.0.0.1:${service.port}  (health /health, OpenAPI /docs)`,
  );
}
console.log(
  smtpSink
    ? `\n  email:          every mail sent is kept as an .eml file in ${smtpSink.mailDir}/`
    : `\n  email:          sent through SMTP_URL (${new URL(process.env.SMTP_URL).host})`,
);
console.log(`  ops token:      ${opsToken}`);
console.log(`  customer token: ${devToken('customer', [seed.customer.customerId])}`);
console.log(
  '  (node scripts/token.mjs ops | customer <customerId> prints more; docs/walkthrough.md has the curl flow)',
);
console.log('  Ctrl-C stops everything this command started.\n');
