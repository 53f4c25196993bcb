#!/usr/bin/env node
// `npm test`: the house style first (ESLint, Prettier, import boundaries, types), then unit tests and
// integration and end-to-end tests against the real PostgreSQL, Redis and Kafka (jest's global setup
// starts whatever is missing). Exits non-zero as soon as any step fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
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
// Integration tests share one broker and database, so they run in band; unit tests are fast either
// way. A full run also holds the code to its coverage floors (jest.config.js, coverageThreshold).
const extra = process.argv.slice(2);
const coverage = extra.length === 0 ? ['--coverage'] : ['--coverage', '--coverageThreshold', '{}'];
console.log('▸ tests (jest)');
process.exit(run(bin('jest'), ['--runInBand', ...coverage, ...extra]));
