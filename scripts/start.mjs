#!/usr/bin/env node
// `npm start`: installs what is missing, starts Kafka (and PostgreSQL/Redis if down), builds, migrates,
// starts the four services with prefixed logs, seeds the demo customer, and prints where each listens.
// Ctrl-C stops the services, and the Kafka broker if this run started it.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// An unset NODE_ENV means production (its secrets are required); `npm start` is the local platform.
process.env.NODE_ENV ??= 'development';
const SERVICES = [
  { name: 'payment-intake', port: Number(process.env.INTAKE_PORT ?? 3001), color: 36 },
  { name: 'invoice', port: Number(process.env.INVOICE_PORT ?? 3002), color: 33 },
  { name: 'settlement', port: Number(process.env.SETTLEMENT_PORT ?? 3003), color: 35 },
  { name: 'notification', port: Number(process.env.NOTIFICATION_PORT ?? 3004), color: 32 },
];

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
const nodeArgs = ['--enable-source-maps', '-r', './scripts/register-aliases.js'];

step('services');
const children = [];
let stopping = false;
for (const service of SERVICES) {
  const child = spawn('node', [...nodeArgs, `dist/apps/${service.name}/src/main.js`], {
    cwd: root,
    env: { LOG_FORMAT: 'pretty', ...process.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const prefix = `\u001b[${service.color}m${service.name.padEnd(14)}|\u001b[0m `;
  for (const stream of [child.stdout, child.stderr]) {
    let buffered = '';
    stream.on('data', (chunk) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) process.stdout.write(prefix + line + '\n');
    });
  }
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
  await Promise.all(
    children.map(
      (child) =>
        new Promise((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once('exit', resolve);
          child.kill('SIGTERM');
          setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
        }),
    ),
  );
  if (!kafkaWasRunning) {
    console.log('▸ stopping the Kafka broker this run started');
    await infra.stopKafka();
  }
  process.exit(code);
}
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

async function waitHealthy(service, deadlineMs = 120_000) {
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`http://127.0.0.1:${service.port}/health`);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${service.name} did not become healthy on port ${service.port}`);
}

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
console.log(`\n  ops token:      ${opsToken}`);
console.log(`  customer token: ${devToken('customer', [seed.customer.customerId])}`);
console.log(
  '  (node scripts/token.mjs ops | customer <customerId> prints more; docs/walkthrough.md has the curl flow)',
);
console.log('  Ctrl-C stops everything this command started.\n');
