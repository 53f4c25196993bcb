import { z } from 'zod';

export const DEV_JWT_SECRET = 'remit-dev-secret-not-for-production';
/** Development-only AES-256 key for bank account numbers at rest (base64 of 32 bytes). */
export const DEV_PAYMENT_DATA_KEY = Buffer.alloc(32, 'remit-dev-payment-data-key').toString('base64');

const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .default('false')
  .transform((value) => ['true', '1', 'yes'].includes(value));

const envSchema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/remit'),
    REDIS_URL: z.string().url().default('redis://127.0.0.1:6379/0'),
    KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
    SMTP_URL: z.string().url().default('smtp://127.0.0.1:1025'),
    AUTH_JWT_SECRET: z.string().min(16).optional(),
    REMIT_NOW: z.string().datetime({ offset: true }).optional(),
    ACH_CUTOFF: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'HH:MM')
      .default('17:00'),
    PAYMENT_DATA_KEY: z.string().optional(),
    PAYMENT_DATA_KEY_ID: z.string().min(1).default('dev-1'),
    INTAKE_PORT: port(3001),
    INVOICE_PORT: port(3002),
    SETTLEMENT_PORT: port(3003),
    NOTIFICATION_PORT: port(3004),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
    DB_MIGRATIONS_RUN: bool,
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV === 'production' && !env.AUTH_JWT_SECRET) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['AUTH_JWT_SECRET'],
        message: 'required in production',
      });
    }
    if (env.NODE_ENV === 'production' && !env.PAYMENT_DATA_KEY) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['PAYMENT_DATA_KEY'],
        message: 'required in production',
      });
    }
    if (env.PAYMENT_DATA_KEY && Buffer.from(env.PAYMENT_DATA_KEY, 'base64').length !== 32) {
      ctx.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['PAYMENT_DATA_KEY'],
        message: 'base64 of exactly 32 bytes',
      });
    }
  });

export interface RemitConfig {
  nodeEnv: 'development' | 'test' | 'production';
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  smtpUrl: string;
  authJwtSecret: string;
  remitNow?: string;
  achCutoff: string;
  paymentDataKey: { keyId: string; key: Buffer };
  previousPaymentDataKeys: { keyId: string; key: Buffer }[];
  ports: { intake: number; invoice: number; settlement: number; notification: number };
  logLevel: string;
  logFormat: 'json' | 'pretty';
  migrationsRun: boolean;
}

export const REMIT_CONFIG = Symbol('REMIT_CONFIG');

/** Validates the environment once, listing every bad variable in one error (CONVENTIONS.md). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): RemitConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const value = parsed.data;
  return {
    nodeEnv: value.NODE_ENV,
    databaseUrl: value.DATABASE_URL,
    redisUrl: value.REDIS_URL,
    kafkaBrokers: value.KAFKA_BROKERS.split(',')
      .map((broker) => broker.trim())
      .filter(Boolean),
    smtpUrl: value.SMTP_URL,
    authJwtSecret: value.AUTH_JWT_SECRET ?? DEV_JWT_SECRET,
    remitNow: value.REMIT_NOW,
    achCutoff: value.ACH_CUTOFF,
    paymentDataKey: {
      keyId: value.PAYMENT_DATA_KEY_ID,
      key: Buffer.from(value.PAYMENT_DATA_KEY ?? DEV_PAYMENT_DATA_KEY, 'base64'),
    },
    previousPaymentDataKeys: [],
    ports: {
      intake: value.INTAKE_PORT,
      invoice: value.INVOICE_PORT,
      settlement: value.SETTLEMENT_PORT,
      notification: value.NOTIFICATION_PORT,
    },
    logLevel: value.LOG_LEVEL,
    logFormat: value.LOG_FORMAT,
    migrationsRun: value.DB_MIGRATIONS_RUN,
  };
}
