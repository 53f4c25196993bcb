// The machine's PostgreSQL (started if it is down, never stopped): the database, the service schemas
// and the services' migrations.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';

import {
  InfraError,
  LOCAL_HOSTS,
  ROOT,
  lib,
  logger,
  pollUntil,
  say,
  tcpOpen,
  urlHostPort,
} from './common.mjs';

export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/remit';
export const SERVICE_SCHEMAS = ['intake', 'invoice', 'settlement', 'notification'];

export const databaseUrlFromEnv = () => process.env.DATABASE_URL || DEFAULT_DATABASE_URL;

function withDatabase(url, database) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

function databaseName(url) {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, '')) || 'postgres';
}

export const pgHostPort = (url) => urlHostPort(url, 5432);

async function pgQuery(url, fn) {
  const { default: pg } = await lib('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

async function databaseExists(client, name) {
  const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  return found.rowCount > 0;
}

async function postgresAnswers(url) {
  try {
    await pgQuery(withDatabase(url, 'postgres'), (client) => client.query('SELECT 1'));
    return { ok: true };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Checks PostgreSQL answers (user from DATABASE_URL, db `postgres`); starts the machine's cluster if it is down. */
export async function ensurePostgres({ url = databaseUrlFromEnv(), quiet = false } = {}) {
  const log = logger(quiet);
  const { host, port } = pgHostPort(url);
  let check = await postgresAnswers(url);
  if (check.ok) return { started: false };
  if (await tcpOpen(host, port)) {
    throw new InfraError(`PostgreSQL on ${host}:${port} refuses the connection: ${check.error.message}`);
  }
  if (!LOCAL_HOSTS.has(host))
    throw new InfraError(`PostgreSQL on ${host}:${port} is down and not on this machine`);
  let versions = [];
  try {
    versions = fs.readdirSync('/etc/postgresql').sort();
  } catch {
    // no Debian cluster layout
  }
  if (versions.length === 0)
    throw new InfraError(`PostgreSQL is down on ${host}:${port} and /etc/postgresql has no cluster`);
  const version = versions.at(-1);
  log(`  postgres: down; starting cluster ${version}/main`);
  const result = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start'], {
    encoding: 'utf8',
  });
  if (result.status !== 0 && !/already running/i.test(`${result.stdout}${result.stderr}`)) {
    throw new InfraError(
      `pg_ctlcluster ${version} main start failed (${result.error?.message ?? result.status}): ${result.stderr}`,
    );
  }
  const answers = async () => (check = await postgresAnswers(url)).ok;
  if (await pollUntil(answers, { timeoutMs: 30_000, intervalMs: 500 })) return { started: true };
  throw new InfraError(`PostgreSQL did not answer on ${host}:${port} within 30 s: ${check.error?.message}`);
}

/** Creates database `name` if missing (via the `postgres` db) and the four service schemas in it. */
export async function ensureDatabase(name, { url = databaseUrlFromEnv(), schemas = SERVICE_SCHEMAS } = {}) {
  const database = name ?? databaseName(url);
  const { default: pg } = await lib('pg');
  let created = false;
  await pgQuery(withDatabase(url, 'postgres'), async (client) => {
    if (await databaseExists(client, database)) return;
    try {
      await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
      created = true;
    } catch (error) {
      // 42P04 duplicate_database / 23505: created concurrently by another process.
      if (error.code !== '42P04' && error.code !== '23505') throw error;
    }
  });
  await pgQuery(withDatabase(url, database), async (client) => {
    for (const schema of schemas) {
      try {
        await client.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
      } catch (error) {
        if (error.code !== '23505' && error.code !== '42P06') throw error;
      }
    }
  });
  return { database, created, schemas };
}

/** For `status`: whether PostgreSQL answers and the database of `url` exists (password masked). */
export async function postgresStatus(url) {
  const check = await postgresAnswers(url);
  let database = null;
  if (check.ok) {
    const name = databaseName(url);
    database = await pgQuery(withDatabase(url, 'postgres'), async (client) => ({
      name,
      exists: await databaseExists(client, name),
    }));
  }
  return {
    url: url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@'),
    up: check.ok,
    database,
    error: check.error?.message,
  };
}

/** `npm run migrate`: PostgreSQL and the database, a build, then every service's migrations. */
export async function migrate({ databaseUrl = databaseUrlFromEnv() } = {}) {
  await ensurePostgres({ url: databaseUrl });
  const db = await ensureDatabase(undefined, { url: databaseUrl });
  say(`✔ postgres (database ${db.database})`);
  const env = { ...process.env, DATABASE_URL: databaseUrl };
  const run = (command, args) => {
    const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', env });
    if (result.status !== 0)
      throw new InfraError(`${command} ${args.join(' ')} failed (${result.error?.message ?? result.status})`);
  };
  run('npx', ['tsc', '-p', 'tsconfig.build.json']);
  run('node', ['-r', './scripts/register-aliases.js', 'dist/tools/migrate.js']);
}
