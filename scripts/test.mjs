#!/usr/bin/env node
// `npm test`: unit tests, then integration and end-to-end tests against the real PostgreSQL, Redis and
// Kafka (jest's global setup starts whatever is missing). Exits non-zero when any test fails.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (command, args) =>
  spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env }).status ?? 1;

if (!existsSync(path.join(root, 'node_modules', '.bin', 'jest'))) {
  console.log('▸ installing npm packages (npm ci)');
  if (run('npm', ['ci', '--no-audit', '--no-fund']) !== 0) process.exit(1);
}

console.log('▸ typecheck');
if (run('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']) !== 0) process.exit(1);

// One jest run for both tiers so that the coverage report covers libs/ as a whole. Integration tests
// share one broker and database, so they run in band; unit tests are fast either way.
// A full run also holds libs/ to its coverage floor (issue #3: above 95 % of lines).
const extra = process.argv.slice(2);
const threshold =
  extra.length === 0 ? ['--coverageThreshold', JSON.stringify({ global: { lines: 95 } })] : [];
const status = run('npx', ['jest', '--runInBand', '--coverage', ...threshold, ...extra]);
process.exit(status);
