import { DEV_JWT_SECRET, loadConfig } from './config';

describe(loadConfig.name, () => {
  it('applies the documented defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({
      nodeEnv: 'development',
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/remit',
      kafkaBrokers: ['127.0.0.1:9092'],
      authJwtSecret: DEV_JWT_SECRET,
      achCutoff: '17:00',
      ports: { intake: 3001, invoice: 3002, settlement: 3003, notification: 3004 },
      migrationsRun: false,
    });
    expect(config.paymentDataKey.key).toHaveLength(32);
  });

  it('reads lists, numbers and booleans', () => {
    const config = loadConfig({ KAFKA_BROKERS: 'a:1, b:2', INVOICE_PORT: '4002', DB_MIGRATIONS_RUN: 'true' });
    expect(config.kafkaBrokers).toEqual(['a:1', 'b:2']);
    expect(config.ports.invoice).toBe(4002);
    expect(config.migrationsRun).toBe(true);
  });

  it('lists every bad variable at once', () => {
    expect(() => loadConfig({ ACH_CUTOFF: '5pm', INVOICE_PORT: 'x', REMIT_NOW: 'yesterday' })).toThrow(
      /ACH_CUTOFF[\s\S]*REMIT_NOW[\s\S]*INVOICE_PORT|ACH_CUTOFF[\s\S]*INVOICE_PORT/,
    );
  });

  it('requires real secrets in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/AUTH_JWT_SECRET: required in production/);
    expect(() => loadConfig({ NODE_ENV: 'production', AUTH_JWT_SECRET: 'x'.repeat(32) })).toThrow(
      /PAYMENT_DATA_KEY/,
    );
  });

  it('refuses a data key that is not 32 bytes', () => {
    expect(() => loadConfig({ PAYMENT_DATA_KEY: Buffer.alloc(16).toString('base64') })).toThrow(/32 bytes/);
  });
});
