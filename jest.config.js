// Three tiers (CONVENTIONS.md): *.spec.ts beside the code (pure, no I/O), *.int-spec.ts per app or
// lib against the real PostgreSQL/Redis/Kafka, and test/*.e2e-spec.ts across the four services.
const fs = require('node:fs');
const path = require('node:path');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const transform = { '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }] };
const moduleNameMapper = { '^@remit/([a-z-]+)$': '<rootDir>/libs/$1/src' };
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform,
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  // Integration hooks start and stop whole services (Kafka consumer groups included).
  testTimeout: 120000,
  coverageProvider: 'v8',
  collectCoverageFrom: ['libs/*/src/**/*.ts', '!libs/*/src/**/index.ts', '!**/*.spec.ts'],
  coverageReporters: ['text-summary', 'text'],
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/src/**/*.spec.ts'],
      setupFiles: ['<rootDir>/test/setup/unit-env.js'],
    },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs}/*/test/**/*.int-spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
      globalSetup: '<rootDir>/test/setup/global-setup.js',
      setupFiles: ['<rootDir>/test/setup/integration-env.js'],
    },
  ],
};
