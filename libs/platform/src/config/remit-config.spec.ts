import {
  CONFIG_VARIABLES,
  configVariablesMarkdown,
  DEFAULT_CHECK_REMIT_ADDRESS,
  DEV_JWT_SECRET,
  DEV_PAYMENT_DATA_KEY,
} from './config-variables';
import { ConfigError, loadConfig } from './remit-config';

const KEY_A = Buffer.alloc(32, 'a').toString('base64');
const KEY_B = Buffer.alloc(32, 'b').toString('base64');
const PRODUCTION = { NODE_ENV: 'production', AUTH_JWT_SECRET: 'p'.repeat(40), PAYMENT_DATA_KEY: KEY_A };

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
  it('applies the documented defaults to an empty environment', () => {
    expect(loadConfig({})).toEqual({
      nodeEnv: 'development',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/remit',
      redisUrl: 'redis://127.0.0.1:6379/0',
      kafkaBrokers: ['127.0.0.1:9092'],
      smtpUrl: 'smtp://127.0.0.1:1025',
      authJwtSecret: DEV_JWT_SECRET,
      paymentDataKey: { keyId: 'dev-1', key: Buffer.from(DEV_PAYMENT_DATA_KEY, 'base64') },
      previousPaymentDataKeys: [],
      achCutoff: '17:00',
      ports: { intake: 3001, invoice: 3002, settlement: 3003, notification: 3004 },
      logLevel: 'info',
      logFormat: 'json',
      migrationsRun: false,
      checkRemitAddress: DEFAULT_CHECK_REMIT_ADDRESS,
      testClockEnabled: true,
    });
    expect(loadConfig({}).paymentDataKey.key).toHaveLength(32);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ REMIT_NOW: '', INVOICE_PORT: ' ', LOG_LEVEL: '' })).toMatchObject({
      ports: { invoice: 3002 },
      logLevel: 'info',
    });
    expect(loadConfig({ REMIT_NOW: '' }).remitNow).toBeUndefined();
  });

  it('reads lists, numbers, booleans and instants', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      KAFKA_BROKERS: 'kafka-1:9092, kafka-2:9093,',
      INVOICE_PORT: '4002',
      DB_MIGRATIONS_RUN: 'TRUE',
      REMIT_NOW: '2026-11-23T10:00:00-05:00',
      ACH_CUTOFF: '16:30',
      LOG_FORMAT: 'pretty',
      CHECK_REMIT_ADDRESS: 'Remit, P. O. Box 1, Boston, MA 02241',
      PAYMENT_DATA_KEY: KEY_A,
      PAYMENT_DATA_KEY_ID: 'k-2',
      PAYMENT_DATA_PREVIOUS_KEYS: `k-1:${KEY_B}`,
    });
    expect(config).toMatchObject({
      nodeEnv: 'test',
      kafkaBrokers: ['kafka-1:9092', 'kafka-2:9093'],
      ports: { invoice: 4002 },
      migrationsRun: true,
      remitNow: '2026-11-23T15:00:00.000Z',
      achCutoff: '16:30',
      logFormat: 'pretty',
      checkRemitAddress: 'Remit, P. O. Box 1, Boston, MA 02241',
      paymentDataKey: { keyId: 'k-2', key: Buffer.from(KEY_A, 'base64') },
      previousPaymentDataKeys: [{ keyId: 'k-1', key: Buffer.from(KEY_B, 'base64') }],
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
  ])('refuses %s=%s', (name, value) => {
    expect(problemsOf({ [name]: value })).toEqual([name]);
  });

  it('lists every bad variable in one error, without echoing values', () => {
    const run = () =>
      loadConfig({ ACH_CUTOFF: '5pm', INVOICE_PORT: 'x', DATABASE_URL: 'mysql://user:hunter2@db/remit' });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/3 problems/);
    expect(
      problemsOf({ ACH_CUTOFF: '5pm', INVOICE_PORT: 'x', DATABASE_URL: 'mysql://u:hunter2@db/r' }),
    ).toEqual(['DATABASE_URL', 'ACH_CUTOFF', 'INVOICE_PORT']);
    expect(run).not.toThrow(/hunter2/);
  });

  describe('production', () => {
    it('accepts real secrets and turns the test clock off', () => {
      const config = loadConfig(PRODUCTION);
      expect(config.testClockEnabled).toBe(false);
      expect(config.authJwtSecret).toBe(PRODUCTION.AUTH_JWT_SECRET);
    });

    it.each([
      ['no JWT secret', { AUTH_JWT_SECRET: undefined }, 'AUTH_JWT_SECRET'],
      ['the development JWT secret', { AUTH_JWT_SECRET: DEV_JWT_SECRET }, 'AUTH_JWT_SECRET'],
      ['a short JWT secret', { AUTH_JWT_SECRET: 'short' }, 'AUTH_JWT_SECRET'],
      ['no data key', { PAYMENT_DATA_KEY: undefined }, 'PAYMENT_DATA_KEY'],
      ['the development data key', { PAYMENT_DATA_KEY: DEV_PAYMENT_DATA_KEY }, 'PAYMENT_DATA_KEY'],
      ['a test clock instant', { REMIT_NOW: '2026-11-23T10:00:00Z' }, 'REMIT_NOW'],
    ])('refuses %s', (_case, override, variable) => {
      expect(problemsOf({ ...PRODUCTION, ...override })).toEqual([variable]);
    });
  });
});

describe('CONFIG_VARIABLES', () => {
  it('documents every variable once, each with a description', () => {
    const names = CONFIG_VARIABLES.map((variable) => variable.name);
    expect(new Set(names).size).toBe(names.length);
    for (const variable of CONFIG_VARIABLES) expect(variable.description.length).toBeGreaterThan(10);
  });

  it('is what loadConfig reads: a documented default equals the default in effect', () => {
    const withDefaults = Object.fromEntries(
      CONFIG_VARIABLES.filter((variable) => variable.default !== undefined).map((variable) => [
        variable.name,
        variable.default,
      ]),
    );
    expect(loadConfig(withDefaults)).toEqual(loadConfig({}));
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
      ]),
    );
  });
});
