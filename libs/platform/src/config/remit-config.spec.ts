import {
  CONFIG_VARIABLES,
  configVariablesMarkdown,
  DEFAULT_CHECK_REMIT_ADDRESS,
  DEV_IDEMPOTENCY_HMAC_KEY,
  DEV_JWT_SECRET,
  DEV_PAYMENT_DATA_KEY,
} from './config-variables';
import { ConfigError, loadConfig, requireIdempotencyHmacKey, requirePaymentDataKey } from './remit-config';

const KEY_A = Buffer.alloc(32, 'a').toString('base64');
const KEY_B = Buffer.alloc(32, 'b').toString('base64');
const KEY_C = Buffer.alloc(32, 'c').toString('base64');
/** The secrets production requires; with NODE_ENV unset they are all a service needs to start. */
const SECRETS = { AUTH_JWT_SECRET: 'p'.repeat(40), PAYMENT_DATA_KEY: KEY_A, IDEMPOTENCY_HMAC_KEY: KEY_C };
const PRODUCTION = { NODE_ENV: 'production', ...SECRETS };
/** Development conveniences are asked for by name (an unset NODE_ENV means production). */
const DEVELOPMENT = { NODE_ENV: 'development' };

function problemsOf(env: Record<string, string | undefined>): string[] {
  try {
    loadConfig(env);
    return [];
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return error.problems.map((problem) => problem.variable);
  }
}

describe(loadConfig.name, () => {
  it('applies the documented defaults under NODE_ENV=development', () => {
    expect(loadConfig(DEVELOPMENT)).toEqual({
      nodeEnv: 'development',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/remit',
      redisUrl: 'redis://127.0.0.1:6379/0',
      kafkaBrokers: ['127.0.0.1:9092'],
      smtpUrl: 'smtp://127.0.0.1:1025',
      authJwtSecret: DEV_JWT_SECRET,
      auth: { maxLifetimeSeconds: 86400, clockToleranceSeconds: 30 },
      idempotencyHmacKey: Buffer.from(DEV_IDEMPOTENCY_HMAC_KEY, 'base64'),
      kafkaGroupPrefix: 'remit-development',
      paymentRedriveAfterMs: 120_000,
      docsEnabled: true,
      paymentDataKey: { keyId: 'dev-1', key: Buffer.from(DEV_PAYMENT_DATA_KEY, 'base64') },
      previousPaymentDataKeys: [],
      achCutoff: '17:00',
      ports: { intake: 3001, invoice: 3002, settlement: 3003, notification: 3004 },
      logLevel: 'info',
      logFormat: 'json',
      migrationsRun: false,
      preparedStatements: true,
      checkRemitAddress: DEFAULT_CHECK_REMIT_ADDRESS,
      ach: {
        outboundDir: '.run/ach-outbound',
        immediateDestination: '091000019',
        immediateDestinationName: 'REMIT DEV ODFI',
        immediateOrigin: '1234567890',
        immediateOriginName: 'REMIT',
        odfiRoutingNumber: '091000019',
        companyName: 'REMIT',
        companyId: '1234567890',
      },
      wireInstructions: {
        beneficiaryName: 'Fusion',
        bankName: 'Example Bank, N.A.',
        routingNumber: '021000021',
        accountNumber: '000000000000',
      },
      notification: {
        emailFrom: 'Remit Billing <billing@remit.example>',
        emailAttempts: 10,
        retryBaseMs: 10_000,
        webhookRetryWindowMs: 259_200_000,
        webhookAllowPrivateUrls: true,
      },
      testClockEnabled: true,
      cardProcessor: 'sandbox',
      declaredPaymentExpiryDays: 30,
      autopay: { representAfterBusinessDays: 2, reminderBusinessDays: 3 },
    });
    expect(loadConfig(DEVELOPMENT).paymentDataKey?.key).toHaveLength(32);
    expect(loadConfig(DEVELOPMENT).idempotencyHmacKey).toHaveLength(32);
  });

  it('reads the notification settings; private webhook URLs only where asked for outside development', () => {
    const config = loadConfig({
      ...PRODUCTION,
      NOTIFICATION_EMAIL_ATTEMPTS: '3',
      NOTIFICATION_RETRY_BASE_MS: '250',
      WEBHOOK_RETRY_WINDOW_SECONDS: '60',
      WEBHOOK_SECRET_KEY: KEY_B,
    });
    expect(config.notification).toMatchObject({
      emailAttempts: 3,
      retryBaseMs: 250,
      webhookRetryWindowMs: 60_000,
      webhookAllowPrivateUrls: false,
      webhookSecretKey: { keyId: 'webhook-1', key: Buffer.from(KEY_B, 'base64') },
    });
    expect(
      loadConfig({ ...PRODUCTION, WEBHOOK_ALLOW_PRIVATE_URLS: 'true' }).notification.webhookAllowPrivateUrls,
    ).toBe(true);
    expect(
      loadConfig({ ...DEVELOPMENT, WEBHOOK_ALLOW_PRIVATE_URLS: 'false' }).notification
        .webhookAllowPrivateUrls,
    ).toBe(false);
    expect(
      problemsOf({ ...DEVELOPMENT, NOTIFICATION_EMAIL_ATTEMPTS: '0', WEBHOOK_SECRET_KEY: 'short' }),
    ).toEqual(['NOTIFICATION_EMAIL_ATTEMPTS', 'WEBHOOK_SECRET_KEY']);
  });

  it('gives NODE_ENV=test the same conveniences, in groups of its own', () => {
    expect(loadConfig({ NODE_ENV: 'test' })).toMatchObject({
      nodeEnv: 'test',
      authJwtSecret: DEV_JWT_SECRET,
      kafkaGroupPrefix: 'remit-test',
      docsEnabled: true,
      testClockEnabled: true,
    });
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ ...DEVELOPMENT, REMIT_NOW: '', INVOICE_PORT: ' ', LOG_LEVEL: '' })).toMatchObject({
      ports: { invoice: 3002 },
      logLevel: 'info',
    });
    expect(loadConfig({ ...DEVELOPMENT, REMIT_NOW: '' }).remitNow).toBeUndefined();
    expect(loadConfig({ ...DEVELOPMENT, AUTH_JWT_ISSUER: ' ', DOCS_ENABLED: '' })).toMatchObject({
      auth: { maxLifetimeSeconds: 86400, clockToleranceSeconds: 30 },
      docsEnabled: true,
    });
    expect(loadConfig({ ...DEVELOPMENT, AUTH_JWT_ISSUER: ' ' }).auth.issuer).toBeUndefined();
  });

  it('reads lists, numbers, booleans and instants', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093,',
      INVOICE_PORT: '4002',
      DB_MIGRATIONS_RUN: 'TRUE',
      DB_PREPARED_STATEMENTS: 'false',
      REMIT_NOW: '2026-11-23T10:00:00-05:00',
      ACH_CUTOFF: '16:30',
      LOG_FORMAT: 'pretty',
      CHECK_REMIT_ADDRESS: 'Remit, P. O. Box 1, Boston, MA 02241',
      PAYMENT_DATA_KEY: KEY_A,
      PAYMENT_DATA_KEY_ID: 'k-2',
      PAYMENT_DATA_PREVIOUS_KEYS: `k-1:${KEY_B}`,
      IDEMPOTENCY_HMAC_KEY: KEY_C,
      AUTH_TOKEN_MAX_LIFETIME_SECONDS: '3600',
      AUTH_CLOCK_TOLERANCE_SECONDS: '0',
      AUTH_JWT_ISSUER: 'https://auth.remit.example',
      AUTH_JWT_AUDIENCE: 'remit-api',
      KAFKA_GROUP_PREFIX: 'remit-ci.42',
      PAYMENT_REDRIVE_AFTER_SECONDS: '30',
      DOCS_ENABLED: 'no',
    });
    expect(config).toMatchObject({
      nodeEnv: 'test',
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9093'],
      ports: { invoice: 4002 },
      migrationsRun: true,
      preparedStatements: false,
      remitNow: '2026-11-23T15:00:00.000Z',
      achCutoff: '16:30',
      logFormat: 'pretty',
      checkRemitAddress: 'Remit, P. O. Box 1, Boston, MA 02241',
      paymentDataKey: { keyId: 'k-2', key: Buffer.from(KEY_A, 'base64') },
      previousPaymentDataKeys: [{ keyId: 'k-1', key: Buffer.from(KEY_B, 'base64') }],
      idempotencyHmacKey: Buffer.from(KEY_C, 'base64'),
      auth: {
        maxLifetimeSeconds: 3600,
        clockToleranceSeconds: 0,
        issuer: 'https://auth.remit.example',
        audience: 'remit-api',
      },
      kafkaGroupPrefix: 'remit-ci.42',
      paymentRedriveAfterMs: 30_000,
      docsEnabled: false,
    });
  });

  it.each([
    ['NODE_ENV', 'staging'],
    ['DATABASE_URL', 'mysql://localhost/remit'],
    ['DATABASE_URL', 'not a url'],
    ['REDIS_URL', 'http://127.0.0.1:6379'],
    ['KAFKA_BROKERS', 'kafka-without-port'],
    ['KAFKA_BROKERS', ','],
    ['SMTP_URL', 'mail.example.com'],
    ['PAYMENT_DATA_KEY', Buffer.alloc(16).toString('base64')],
    ['PAYMENT_DATA_KEY_ID', 'has space'],
    ['PAYMENT_DATA_PREVIOUS_KEYS', 'no-colon'],
    ['PAYMENT_DATA_PREVIOUS_KEYS', `k-1:${KEY_A},k-0:short`],
    ['REMIT_NOW', '2026-11-23'],
    ['REMIT_NOW', '2026-11-23T10:00:00'],
    ['REMIT_NOW', 'yesterday'],
    ['ACH_CUTOFF', '5pm'],
    ['ACH_CUTOFF', '24:00'],
    ['INTAKE_PORT', 'x'],
    ['INVOICE_PORT', '3002.5'],
    ['SETTLEMENT_PORT', '70000'],
    ['NOTIFICATION_PORT', '-1'],
    ['LOG_LEVEL', 'verbose'],
    ['LOG_FORMAT', 'text'],
    ['DB_MIGRATIONS_RUN', 'maybe'],
    ['AUTH_TOKEN_MAX_LIFETIME_SECONDS', '0'],
    ['AUTH_TOKEN_MAX_LIFETIME_SECONDS', '1h'],
    ['AUTH_TOKEN_MAX_LIFETIME_SECONDS', '-60'],
    ['AUTH_CLOCK_TOLERANCE_SECONDS', '0.5'],
    ['IDEMPOTENCY_HMAC_KEY', Buffer.alloc(16).toString('base64')],
    ['IDEMPOTENCY_HMAC_KEY', 'not base64!'],
    ['KAFKA_GROUP_PREFIX', 'has space'],
    ['KAFKA_GROUP_PREFIX', 'x'.repeat(101)],
    ['PAYMENT_REDRIVE_AFTER_SECONDS', '0'],
    ['PAYMENT_REDRIVE_AFTER_SECONDS', '2m'],
    ['DOCS_ENABLED', 'sometimes'],
    ['CARD_PROCESSOR', 'stripe'],
    ['DECLARED_PAYMENT_EXPIRY_DAYS', '0'],
    ['DECLARED_PAYMENT_EXPIRY_DAYS', '30d'],
  ])('refuses %s=%s', (name, value) => {
    expect(problemsOf({ ...DEVELOPMENT, [name]: value })).toEqual([name]);
  });

  it('lists every bad variable in one error, without echoing values', () => {
    const bad = {
      ...DEVELOPMENT,
      ACH_CUTOFF: '5pm',
      INVOICE_PORT: 'x',
      DATABASE_URL: 'mysql://user:hunter2@db/remit',
    };
    const run = () => loadConfig(bad);
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/3 problems/);
    expect(problemsOf(bad)).toEqual(['DATABASE_URL', 'ACH_CUTOFF', 'INVOICE_PORT']);
    expect(run).not.toThrow(/hunter2/);
  });

  describe('production', () => {
    it('accepts real secrets and turns the test clock and /docs off', () => {
      const config = loadConfig(PRODUCTION);
      expect(config).toMatchObject({
        nodeEnv: 'production',
        authJwtSecret: PRODUCTION.AUTH_JWT_SECRET,
        paymentDataKey: { keyId: 'dev-1', key: Buffer.from(KEY_A, 'base64') },
        idempotencyHmacKey: Buffer.from(KEY_C, 'base64'),
        kafkaGroupPrefix: 'remit-production',
        testClockEnabled: false,
        docsEnabled: false,
      });
    });

    it('holds no data key and no idempotency key where none is given: only intake and settlement need them', () => {
      const config = loadConfig({
        ...PRODUCTION,
        PAYMENT_DATA_KEY: undefined,
        IDEMPOTENCY_HMAC_KEY: undefined,
      });
      expect(config.paymentDataKey).toBeNull();
      expect(config.idempotencyHmacKey).toBeNull();
      expect(() => requirePaymentDataKey(config)).toThrow(/PAYMENT_DATA_KEY is required/);
      expect(() => requireIdempotencyHmacKey(config)).toThrow(/IDEMPOTENCY_HMAC_KEY is required/);
      expect(requirePaymentDataKey(loadConfig(PRODUCTION)).key).toEqual(Buffer.from(KEY_A, 'base64'));
      expect(requireIdempotencyHmacKey(loadConfig(PRODUCTION))).toEqual(Buffer.from(KEY_C, 'base64'));
    });

    it('serves /docs only when DOCS_ENABLED asks for it', () => {
      expect(loadConfig({ ...PRODUCTION, DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
      expect(loadConfig({ ...PRODUCTION, DOCS_ENABLED: 'false' }).docsEnabled).toBe(false);
    });

    it.each([
      ['no JWT secret', { AUTH_JWT_SECRET: undefined }, 'AUTH_JWT_SECRET'],
      ['the development JWT secret', { AUTH_JWT_SECRET: DEV_JWT_SECRET }, 'AUTH_JWT_SECRET'],
      ['a short JWT secret', { AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
      ['the development data key', { PAYMENT_DATA_KEY: DEV_PAYMENT_DATA_KEY }, 'PAYMENT_DATA_KEY'],
      [
        'the development idempotency HMAC key',
        { IDEMPOTENCY_HMAC_KEY: DEV_IDEMPOTENCY_HMAC_KEY },
        'IDEMPOTENCY_HMAC_KEY',
      ],
      ['a test clock instant', { REMIT_NOW: '2026-11-23T10:00:00Z' }, 'REMIT_NOW'],
    ])('refuses %s', (_case, override, variable) => {
      expect(problemsOf({ ...PRODUCTION, ...override })).toEqual([variable]);
    });
  });

  describe('NODE_ENV unset: production, never development by accident', () => {
    it.each([
      ['unset', {}],
      ['empty', { NODE_ENV: '' }],
      ['blank', { NODE_ENV: '  ' }],
    ])('%s is production', (_case, nodeEnv) => {
      const config = loadConfig({ ...SECRETS, ...nodeEnv });
      expect(config).toMatchObject({ nodeEnv: 'production', testClockEnabled: false, docsEnabled: false });
    });

    it('refuses to start on the development secrets it would otherwise fall back to', () => {
      expect(problemsOf({})).toEqual(['AUTH_JWT_SECRET']);
      // The keys are left out rather than defaulted: the services that use them refuse to start.
      expect(loadConfig({ AUTH_JWT_SECRET: 'p'.repeat(40) })).toMatchObject({
        paymentDataKey: null,
        idempotencyHmacKey: null,
      });
    });

    it.each([
      ['the development JWT secret', { AUTH_JWT_SECRET: DEV_JWT_SECRET }, 'AUTH_JWT_SECRET'],
      ['the development data key', { PAYMENT_DATA_KEY: DEV_PAYMENT_DATA_KEY }, 'PAYMENT_DATA_KEY'],
      [
        'the development HMAC key',
        { IDEMPOTENCY_HMAC_KEY: DEV_IDEMPOTENCY_HMAC_KEY },
        'IDEMPOTENCY_HMAC_KEY',
      ],
      ['a test clock instant', { REMIT_NOW: '2026-11-23T10:00:00Z' }, 'REMIT_NOW'],
    ])('refuses %s', (_case, override, variable) => {
      expect(problemsOf({ ...SECRETS, ...override })).toEqual([variable]);
    });

    it('has no test clock, and the development keys are nowhere in its configuration', () => {
      const config = loadConfig(SECRETS);
      expect(config.testClockEnabled).toBe(false);
      expect(config.authJwtSecret).not.toBe(DEV_JWT_SECRET);
      expect(config.paymentDataKey?.key.equals(Buffer.from(DEV_PAYMENT_DATA_KEY, 'base64'))).toBe(false);
      expect(config.idempotencyHmacKey?.equals(Buffer.from(DEV_IDEMPOTENCY_HMAC_KEY, 'base64'))).toBe(false);
    });

    it('still refuses a NODE_ENV it does not know', () => {
      expect(problemsOf({ ...SECRETS, NODE_ENV: 'prod' })).toEqual(['NODE_ENV']);
    });
  });
});

describe('CONFIG_VARIABLES', () => {
  it('documents every variable once, each with a description', () => {
    const names = CONFIG_VARIABLES.map((variable) => variable.name);
    expect(new Set(names).size).toBe(names.length);
    for (const variable of CONFIG_VARIABLES) expect(variable.description.length).toBeGreaterThan(10);
  });

  it.each([
    ['development', DEVELOPMENT],
    ['production', SECRETS],
  ])('is what loadConfig reads (%s): a documented default equals the default in effect', (_case, base) => {
    const withDefaults = Object.fromEntries(
      CONFIG_VARIABLES.filter((variable) => variable.default !== undefined).map((variable) => [
        variable.name,
        variable.default,
      ]),
    );
    expect(loadConfig({ ...withDefaults, ...base })).toEqual(loadConfig(base));
  });

  it('renders the README table', () => {
    const table = configVariablesMarkdown();
    expect(table.split('\n')).toHaveLength(CONFIG_VARIABLES.length + 2);
    expect(table).toContain('| `ACH_CUTOFF` | `17:00` |');
    expect(table).toContain('| `REMIT_NOW` | unset |');
  });

  it('includes the variables the README promises', () => {
    expect(CONFIG_VARIABLES.map((variable) => variable.name)).toEqual(
      expect.arrayContaining([
        'NODE_ENV',
        'DATABASE_URL',
        'REDIS_URL',
        'KAFKA_BROKERS',
        'SMTP_URL',
        'AUTH_JWT_SECRET',
        'REMIT_NOW',
        'ACH_CUTOFF',
        'INTAKE_PORT',
        'INVOICE_PORT',
        'SETTLEMENT_PORT',
        'NOTIFICATION_PORT',
        'LOG_LEVEL',
        'LOG_FORMAT',
        'DB_MIGRATIONS_RUN',
        'CHECK_REMIT_ADDRESS',
        'AUTH_TOKEN_MAX_LIFETIME_SECONDS',
        'AUTH_CLOCK_TOLERANCE_SECONDS',
        'AUTH_JWT_ISSUER',
        'AUTH_JWT_AUDIENCE',
        'IDEMPOTENCY_HMAC_KEY',
        'KAFKA_GROUP_PREFIX',
        'PAYMENT_REDRIVE_AFTER_SECONDS',
        'DOCS_ENABLED',
        'CARD_PROCESSOR',
        'DECLARED_PAYMENT_EXPIRY_DAYS',
      ]),
    );
  });
});
