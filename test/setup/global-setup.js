// Starts (or reuses) the real infrastructure once per test run: PostgreSQL, Redis, the Kafka broker
// and its topics. Refuses any database whose name does not say test (CONTRIBUTING.md, "Tests").
// Every run starts from an empty test database and an empty test Redis db, so that what earlier runs
// left (pending jobs, unsent notifications, open settlement days) never changes what a test sees;
// REMIT_TEST_KEEP_DATA=1 keeps them (for looking at a failed run's rows).
const path = require('node:path');
const { pathToFileURL } = require('node:url');

module.exports = async function globalSetup() {
  require('./integration-env');
  const url = new URL(process.env.DATABASE_URL);
  const databaseName = url.pathname.replace(/^\//, '');
  if (!/test/.test(databaseName)) {
    throw new Error(
      `refusing to run integration tests against database "${databaseName}" (name must contain "test")`,
    );
  }
  const infra = await import(pathToFileURL(path.join(__dirname, '../../scripts/infra.mjs')).href);
  if (process.env.REMIT_TEST_KEEP_DATA !== '1') {
    await infra.ensurePostgres({ url: process.env.DATABASE_URL, quiet: true });
    await dropDatabase(url, databaseName);
  }
  await infra.up({ databaseUrl: process.env.DATABASE_URL });
  if (process.env.REMIT_TEST_KEEP_DATA !== '1') await flushRedisDb(process.env.REDIS_URL);
};

async function dropDatabase(url, databaseName) {
  const { Client } = require('pg');
  const admin = new URL(url.href);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.href });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${databaseName.replaceAll('"', '""')}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}

async function flushRedisDb(redisUrl) {
  const { Redis } = require('ioredis');
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  try {
    await redis.connect();
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}
