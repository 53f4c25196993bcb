#!/usr/bin/env node
// `npm test`: the house style first (ESLint, Prettier, import boundaries, types), then unit tests and
// integration and end-to-end tests against the real PostgreSQL, Redis and Kafka (jest's global setup
// starts whatever is missing). Exits non-zero as soon as any step fails.
import { spawn, spawnSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (command, args) =>
  spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;
const bin = (name) => path.join(root, 'node_modules', '.bin', name);

if (!existsSync(bin('jest'))) {
  console.log('▸ installing npm packages (npm ci)');
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}

// `npm run lint` is ESLint, `prettier --check` and the import boundaries of .dependency-cruiser.cjs.
for (const [title, script] of [
  ['lint, format and import boundaries', 'lint'],
  ['typecheck', 'typecheck'],
]) {
  console.log(`▸ ${title}`);
  if (run('npm', ['run', '--silent', script]) !== 0) {
    console.error(`✖ npm test: ${title} failed`);
    process.exit(1);
  }
}

// One jest run for both tiers so that the coverage report covers apps/ and libs/ as a whole.
// Integration tests share one broker and database, so one file runs at a time, in one worker that is
// replaced when it grows (jest.config.js, maxWorkers and workerIdleMemoryLimit). A full run also holds
// the code to its coverage floors (jest.config.js, coverageThreshold).
const extra = process.argv.slice(2);
const coverage = extra.length === 0 ? ['--coverage'] : ['--coverage', '--coverageThreshold', '{}'];
console.log('▸ tests (jest)');
const suiteOutput = path.join(root, '.run', 'test-output.log');
const status = await runTeed(bin('jest'), [...coverage, ...extra], suiteOutput);
if (status !== 0 || extra.length > 0) process.exit(status);

// After a full run only: no full account number in any table, Kafka message, Redis value or in the
// suite's output, where the services log (test/scan/account-numbers.check.ts).
console.log('▸ account-number scan of the database, Kafka, Redis and the suite output');
process.exit(run(bin('jest'), ['--config', 'jest.scan.config.js', '--runInBand']));

/** Runs a command with its output both shown and copied to `file`. */
function runTeed(command, args, file) {
  mkdirSync(path.dirname(file), { recursive: true });
  const copy = createWriteStream(file);
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: root, stdio: ['inherit', 'pipe', 'pipe'], env: process.env });
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      copy.write(chunk);
    });
    child.stderr.on('data', (chunk) => {
      process.stderr.write(chunk);
      copy.write(chunk);
    });
    child.on('close', (code) => copy.end(() => resolve(code ?? 1)));
  });
}
