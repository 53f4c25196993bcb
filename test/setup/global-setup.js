// Starts (or reuses) the real infrastructure once per test run: PostgreSQL, Redis, the Kafka broker
// and its topics. Refuses any database whose name does not say test (CONTRIBUTING.md, "Tests").
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
  await infra.up({ databaseUrl: process.env.DATABASE_URL });
};
