// Three tiers (CONTRIBUTING.md, "Tests"): *.spec.ts beside the code (pure, no I/O), *.int-spec.ts per app or
// lib against the real PostgreSQL/Redis/Kafka, and test/*.e2e-spec.ts across the four services.
const fs = require('node:fs');
const path = require('node:path');

const swcrc = JSON.parse(fs.readFileSync(path.join(__dirname, '.swcrc'), 'utf8'));
const transform = {
  '^.+\\.ts$': ['@swc/jest', { ...swcrc, swcrc: false }],
  // NestJS 12 ships as pure ESM. Node 20 loads it from CommonJS through require(esm), but Jest's own
  // module loader does so only on Node 24.9+, so under Jest those packages are compiled to CommonJS.
  '/node_modules/.+\\.m?js$': [
    '@swc/jest',
    {
      jsc: { parser: { syntax: 'ecmascript' }, target: 'es2022' },
      module: { type: 'commonjs' },
      swcrc: false,
    },
  ],
};
/** ESM-only packages in node_modules (see the transform above); everything else is loaded as it is. */
const ESM_PACKAGES = ['@nestjs'];
const moduleNameMapper = { '^@remit/([a-z-]+)$': '<rootDir>/libs/$1/src' };
const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform,
  moduleNameMapper,
  moduleFileExtensions: ['ts', 'js', 'mjs', 'json'],
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_PACKAGES.join('|')})/)`],
};

module.exports = {
  // Integration hooks start and stop whole services (Kafka consumer groups included).
  testTimeout: 120000,
  // The integration tests share one broker, database and Redis db, so one test file at a time. Not in
  // band, though: one process running all 109 files kept what each left (Nest applications, kafkajs
  // clients, modules) and every later file paid for it in garbage collection and coverage collection —
  // the unit files took 1 s each early in a run and 6–9 s late. One worker, replaced whenever it holds
  // more than this after a file, took the full run from 796 s to 345 s (384 s at 400MB; CONTRIBUTING.md,
  // "Test tiers").
  maxWorkers: 1,
  workerIdleMemoryLimit: '300MB',
  coverageProvider: 'v8',
  collectCoverageFrom: [
    'libs/*/src/**/*.ts',
    'apps/*/src/**/*.ts',
    '!**/index.ts',
    '!**/*.spec.ts',
    // A service's process entry point: tests build the same module with the same bootstrap instead.
    '!apps/*/src/main.ts',
    // Applied once per database (the test database keeps them), and `down` is never run by a test.
    '!apps/*/src/migrations/**',
  ],
  // Floors of a full `npm test` (scripts/test.mjs); a partial run (`npm test -- <pattern>`) has none.
  coverageThreshold: {
    './libs/': { lines: 95 },
    './apps/': { lines: 90 },
  },
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
