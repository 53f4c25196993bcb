// The scan that follows a full `npm test` (scripts/test.mjs): test/scan/*.check.ts look through what the
// suite left in PostgreSQL, Kafka, Redis and its own output. Same compilation and aliases as the suite.
const suite = require('./jest.config');

const integration = suite.projects.find((project) => project.displayName === 'integration');

module.exports = {
  ...integration,
  displayName: 'scan',
  testMatch: ['<rootDir>/test/scan/**/*.check.ts'],
  globalSetup: undefined,
  testTimeout: 300000,
};
