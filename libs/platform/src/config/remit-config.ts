import { z } from 'zod';
import {
  CONFIG_VARIABLES,
  DEV_IDEMPOTENCY_HMAC_KEY,
  DEV_JWT_SECRET,
  DEV_PAYMENT_DATA_KEY,
  type ConfigVariableName,
} from './config-variables';

export type NodeEnv = 'development' | 'test' | 'production';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface DataKey {
  keyId: string;
  /** 32 bytes (AES-256). */
  key: Buffer;
}

export interface WireInstructions {
  beneficiaryName: string;
  bankName: string;
  routingNumber: string;
  accountNumber: string;
}

/** The validated configuration of a service; read it through the `REMIT_CONFIG` provider. */
export interface RemitConfig {
  nodeEnv: NodeEnv;
  databaseUrl: string;
  redisUrl: string;
  kafkaBrokers: string[];
  smtpUrl: string;
  authJwtSecret: string;
  /** How bearer tokens are checked beyond their signature. */
  auth: {
    maxLifetimeSeconds: number;
    clockToleranceSeconds: number;
    issuer?: string;
    audience?: string;
  };
  /**
   * HMAC key of idempotency request fingerprints (never the data-encryption key). Null in production
   * when unset: only payment-intake uses it, and asks for it with requireIdempotencyHmacKey().
   */
  idempotencyHmacKey: Buffer | null;
  /** Prefix of every Kafka consumer group and client id of this environment. */
  kafkaGroupPrefix: string;
  /** A payment still `submitted` after this long has its `payment.submitted` published again. */
  paymentRedriveAfterMs: number;
  /** Whether `/docs` (OpenAPI) is served. */
  docsEnabled: boolean;
  /**
   * The current key for bank account numbers at rest. Null in production when unset: only
   * payment-intake and settlement hold it, and ask for it with requirePaymentDataKey().
   */
  paymentDataKey: DataKey | null;
  /** Retired keys that still decrypt older rows. */
  previousPaymentDataKeys: DataKey[];
  /** UTC ISO instant (normalised) to freeze the test clock at start; ignored in production. */
  remitNow?: string;
  /** `HH:MM` America/New_York. */
  achCutoff: string;
  ports: { intake: number; invoice: number; settlement: number; notification: number };
  logLevel: LogLevel;
  logFormat: 'json' | 'pretty';
  migrationsRun: boolean;
  /** Repeated statements go as named prepared statements (libs/platform/src/database/prepared-statements.ts). */
  preparedStatements: boolean;
  checkRemitAddress: string;
  /** ACH origination (settlement): where NACHA files go and who they come from. */
  ach: AchOriginationConfig;
  /** Where customers wire money to (published to them; the platform's own account, not a customer's). */
  wireInstructions: WireInstructions;
  /** Notification: emails and webhooks (docs/architecture.md, "notification"). */
  notification: {
    emailFrom: string;
    emailAttempts: number;
    retryBaseMs: number;
    webhookRetryWindowMs: number;
    webhookAllowPrivateUrls: boolean;
    /**
     * Seals webhook signing secrets at rest (never the payment data key). Unset: notification uses a
     * development key outside production and refuses to start in production.
     */
    webhookSecretKey?: DataKey;
  };
  /** True only under `development` or `test`: the shared test clock and its routes exist. */
  testClockEnabled: boolean;
  /** Settlement's card processor adapter. */
  cardProcessor: 'sandbox';
  /** Calendar days after its submission business day that a declared check or wire waits for its receipt. */
  declaredPaymentExpiryDays: number;
  /** Autopay (docs/architecture.md, flow 3): re-presentment delay and reminder lead, in business days. */
  autopay: { representAfterBusinessDays: number; reminderBusinessDays: number };
}

export interface AchOriginationConfig {
  outboundDir: string;
  immediateDestination: string;
  immediateDestinationName: string;
  immediateOrigin: string;
  immediateOriginName: string;
  odfiRoutingNumber: string;
  companyName: string;
  companyId: string;
}

/** The data key, for the services that hold one (payment-intake, settlement); refuses to go on without it. */
export function requirePaymentDataKey(config: Pick<RemitConfig, 'paymentDataKey'>): DataKey {
  if (config.paymentDataKey === null) {
    throw new Error('PAYMENT_DATA_KEY is required by payment-intake and settlement in production');
  }
  return config.paymentDataKey;
}

/** The idempotency HMAC key, for payment-intake; refuses to go on without it. */
export function requireIdempotencyHmacKey(config: Pick<RemitConfig, 'idempotencyHmacKey'>): Buffer {
  if (config.idempotencyHmacKey === null) {
    throw new Error('IDEMPOTENCY_HMAC_KEY is required by payment-intake in production');
  }
  return config.idempotencyHmacKey;
}

/** Nest injection token of the `RemitConfig`. */
export const REMIT_CONFIG = Symbol('REMIT_CONFIG');

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** One error naming every bad variable, so a misconfigured deploy is fixed in one go. */
export class ConfigError extends Error {
  constructor(readonly problems: ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  ${problem.variable}: ${problem.message}`).join('\n'),
    );
    this.name = 'ConfigError';
  }
}

function defaultOf(name: ConfigVariableName): string | undefined {
  return CONFIG_VARIABLES.find((variable) => variable.name === name)?.default;
}

/** Unset and empty (`REMIT_NOW=` in a shell) both mean "use the default". */
function variable(name: ConfigVariableName): z.ZodType<string | undefined, unknown> {
  const fallback = defaultOf(name);
  return z.preprocess(
    (value) => (typeof value === 'string' && value.trim() !== '' ? value.trim() : fallback),
    z.string().optional(),
  );
}

function urlWithScheme(name: ConfigVariableName, schemes: string[]) {
  return variable(name).pipe(
    z.string().refine(
      (value) => {
        try {
          return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { message: `must be a URL with scheme ${schemes.map((scheme) => `${scheme}://`).join(' or ')}` },
    ),
  );
}

function port(name: ConfigVariableName) {
  return variable(name).pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a port number')
      .transform(Number)
      .pipe(z.number().int().min(0, 'must be a port number').max(65535, 'must be a port number')),
  );
}

function seconds(name: ConfigVariableName) {
  return variable(name).pipe(
    z.string().regex(/^\d+$/, 'must be a whole number of seconds').transform(Number),
  );
}

function businessDays(name: ConfigVariableName) {
  return variable(name).pipe(
    z
      .string()
      .regex(/^\d+$/, 'must be a whole number of business days')
      .transform(Number)
      .pipe(z.number().int().max(30, 'must be at most 30 business days')),
  );
}

function flag(name: ConfigVariableName) {
  return variable(name).pipe(
    z
      .string()
      .transform((value) => value.toLowerCase())
      .pipe(z.enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' }))
      .transform((value) => value === 'true' || value === '1' || value === 'yes')
      .optional(),
  );
}

function oneOf<const T extends readonly [string, ...string[]]>(name: ConfigVariableName, values: T) {
  return variable(name).pipe(z.enum(values, { error: `must be one of ${values.join(', ')}` }));
}

const BROKER = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;
const BASE64_32_BYTES = (value: string) =>
  /^[A-Za-z0-9+/]+={0,2}$/.test(value) && Buffer.from(value, 'base64').length === 32;

const envSchema = z
  .object({
    // Unset means production: development conveniences must be asked for, never assumed.
    NODE_ENV: variable('NODE_ENV')
      .pipe(
        z
          .enum(['development', 'test', 'production'], {
            error: 'must be one of development, test, production',
          })
          .optional(),
      )
      .transform((value): NodeEnv => value ?? 'production'),
    DATABASE_URL: urlWithScheme('DATABASE_URL', ['postgres', 'postgresql']),
    REDIS_URL: urlWithScheme('REDIS_URL', ['redis', 'rediss']),
    KAFKA_BROKERS: variable('KAFKA_BROKERS').pipe(
      z
        .string()
        .transform((value) =>
          value
            .split(',')
            .map((broker) => broker.trim())
            .filter(Boolean),
        )
        .pipe(
          z
            .array(z.string().regex(BROKER, 'each broker must be host:port'))
            .min(1, 'must name at least one broker'),
        ),
    ),
    SMTP_URL: urlWithScheme('SMTP_URL', ['smtp', 'smtps']),
    AUTH_JWT_SECRET: variable('AUTH_JWT_SECRET'),
    PAYMENT_DATA_KEY: variable('PAYMENT_DATA_KEY').refine(
      (value) => value === undefined || BASE64_32_BYTES(value),
      'must be base64 of exactly 32 bytes',
    ),
    PAYMENT_DATA_KEY_ID: variable('PAYMENT_DATA_KEY_ID').pipe(
      z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"'),
    ),
    PAYMENT_DATA_PREVIOUS_KEYS: variable('PAYMENT_DATA_PREVIOUS_KEYS').transform((value, ctx) => {
      if (value === undefined) return [];
      const keys: DataKey[] = [];
      for (const entry of value.split(',').map((part) => part.trim())) {
        const separator = entry.indexOf(':');
        const keyId = entry.slice(0, separator);
        const key = entry.slice(separator + 1);
        if (separator < 1 || !BASE64_32_BYTES(key)) {
          ctx.addIssue({
            code: 'custom',
            message: 'must be keyId:base64 pairs (32-byte keys), separated by commas',
          });
          return z.NEVER;
        }
        keys.push({ keyId, key: Buffer.from(key, 'base64') });
      }
      return keys;
    }),
    REMIT_NOW: variable('REMIT_NOW').pipe(
      z.iso
        .datetime({
          offset: true,
          error: 'must be an ISO 8601 instant with a time zone, e.g. 2026-11-23T15:00:00Z',
        })
        .transform((value) => new Date(value).toISOString())
        .optional(),
    ),
    ACH_CUTOFF: variable('ACH_CUTOFF').pipe(
      z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24-hour clock)'),
    ),
    INTAKE_PORT: port('INTAKE_PORT'),
    INVOICE_PORT: port('INVOICE_PORT'),
    SETTLEMENT_PORT: port('SETTLEMENT_PORT'),
    NOTIFICATION_PORT: port('NOTIFICATION_PORT'),
    LOG_LEVEL: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    LOG_FORMAT: oneOf('LOG_FORMAT', ['json', 'pretty']),
    DB_MIGRATIONS_RUN: flag('DB_MIGRATIONS_RUN'),
    DB_PREPARED_STATEMENTS: flag('DB_PREPARED_STATEMENTS'),
    AUTH_TOKEN_MAX_LIFETIME_SECONDS: seconds('AUTH_TOKEN_MAX_LIFETIME_SECONDS').refine(
      (value) => value > 0,
      'must be at least 1 second',
    ),
    AUTH_CLOCK_TOLERANCE_SECONDS: seconds('AUTH_CLOCK_TOLERANCE_SECONDS'),
    AUTH_JWT_ISSUER: variable('AUTH_JWT_ISSUER'),
    AUTH_JWT_AUDIENCE: variable('AUTH_JWT_AUDIENCE'),
    IDEMPOTENCY_HMAC_KEY: variable('IDEMPOTENCY_HMAC_KEY').refine(
      (value) => value === undefined || BASE64_32_BYTES(value),
      'must be base64 of exactly 32 bytes',
    ),
    KAFKA_GROUP_PREFIX: variable('KAFKA_GROUP_PREFIX').pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9._-]{1,100}$/, 'must be 1-100 letters, digits, ".", "_" or "-"')
        .optional(),
    ),
    PAYMENT_REDRIVE_AFTER_SECONDS: seconds('PAYMENT_REDRIVE_AFTER_SECONDS').refine(
      (value) => value > 0,
      'must be at least 1 second',
    ),
    DOCS_ENABLED: flag('DOCS_ENABLED'),
    CHECK_REMIT_ADDRESS: variable('CHECK_REMIT_ADDRESS').pipe(z.string().min(1)),
    CARD_PROCESSOR: oneOf('CARD_PROCESSOR', ['sandbox']),
    DECLARED_PAYMENT_EXPIRY_DAYS: variable('DECLARED_PAYMENT_EXPIRY_DAYS').pipe(
      z
        .string()
        .regex(/^\d+$/, 'must be a whole number of days')
        .transform(Number)
        .pipe(z.number().int().min(1, 'must be at least 1 day').max(3650, 'must be at most 3650 days')),
    ),
    ACH_OUTBOUND_DIR: variable('ACH_OUTBOUND_DIR').pipe(z.string().min(1)),
    ACH_IMMEDIATE_DESTINATION: variable('ACH_IMMEDIATE_DESTINATION').pipe(
      z.string().regex(/^\d{9}$/, 'must be a 9-digit routing number'),
    ),
    ACH_IMMEDIATE_DESTINATION_NAME: variable('ACH_IMMEDIATE_DESTINATION_NAME').pipe(
      z.string().regex(/^[\x20-\x7E]{1,23}$/, 'must be 1-23 printable ASCII characters'),
    ),
    ACH_IMMEDIATE_ORIGIN: variable('ACH_IMMEDIATE_ORIGIN').pipe(
      z.string().regex(/^\d{9,10}$/, 'must be 9 or 10 digits'),
    ),
    ACH_IMMEDIATE_ORIGIN_NAME: variable('ACH_IMMEDIATE_ORIGIN_NAME').pipe(
      z.string().regex(/^[\x20-\x7E]{1,23}$/, 'must be 1-23 printable ASCII characters'),
    ),
    ACH_ODFI_ROUTING_NUMBER: variable('ACH_ODFI_ROUTING_NUMBER').pipe(
      z.string().regex(/^\d{9}$/, 'must be a 9-digit routing number'),
    ),
    ACH_COMPANY_NAME: variable('ACH_COMPANY_NAME').pipe(
      z.string().regex(/^[\x20-\x7E]{1,16}$/, 'must be 1-16 printable ASCII characters'),
    ),
    ACH_COMPANY_ID: variable('ACH_COMPANY_ID').pipe(
      z.string().regex(/^[\x20-\x7E]{1,10}$/, 'must be 1-10 printable ASCII characters'),
    ),
    WIRE_BENEFICIARY_NAME: variable('WIRE_BENEFICIARY_NAME').pipe(z.string().min(1)),
    WIRE_BANK_NAME: variable('WIRE_BANK_NAME').pipe(z.string().min(1)),
    WIRE_ROUTING_NUMBER: variable('WIRE_ROUTING_NUMBER').pipe(
      z.string().regex(/^\d{9}$/, 'must be 9 digits'),
    ),
    WIRE_ACCOUNT_NUMBER: variable('WIRE_ACCOUNT_NUMBER').pipe(
      z.string().regex(/^\d{4,17}$/, 'must be 4 to 17 digits'),
    ),
    AUTOPAY_REPRESENT_BUSINESS_DAYS: businessDays('AUTOPAY_REPRESENT_BUSINESS_DAYS'),
    AUTOPAY_REMINDER_BUSINESS_DAYS: businessDays('AUTOPAY_REMINDER_BUSINESS_DAYS'),
    NOTIFICATION_EMAIL_FROM: variable('NOTIFICATION_EMAIL_FROM').pipe(z.string().min(3)),
    NOTIFICATION_EMAIL_ATTEMPTS: variable('NOTIFICATION_EMAIL_ATTEMPTS').pipe(
      z
        .string()
        .regex(/^[1-9]\d{0,2}$/, 'must be a whole number from 1 to 999')
        .transform(Number),
    ),
    NOTIFICATION_RETRY_BASE_MS: variable('NOTIFICATION_RETRY_BASE_MS').pipe(
      z
        .string()
        .regex(/^[1-9]\d*$/, 'must be a whole number of milliseconds')
        .transform(Number),
    ),
    WEBHOOK_RETRY_WINDOW_SECONDS: seconds('WEBHOOK_RETRY_WINDOW_SECONDS').refine(
      (value) => value > 0,
      'must be at least 1 second',
    ),
    WEBHOOK_ALLOW_PRIVATE_URLS: flag('WEBHOOK_ALLOW_PRIVATE_URLS'),
    WEBHOOK_SECRET_KEY: variable('WEBHOOK_SECRET_KEY').refine(
      (value) => value === undefined || BASE64_32_BYTES(value),
      'must be base64 of exactly 32 bytes',
    ),
  })
  .superRefine((env, ctx) => {
    if (env.NODE_ENV !== 'production') return;
    // Production never runs on the published development secrets (docs/architecture.md, "Public contract").
    if (env.AUTH_JWT_SECRET === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message: 'required in production',
      });
    } else if (env.AUTH_JWT_SECRET === DEV_JWT_SECRET || env.AUTH_JWT_SECRET.length < 32) {
      ctx.addIssue({
        code: 'custom',
        path: ['AUTH_JWT_SECRET'],
        message: 'must be at least 32 characters and not the development default in production',
      });
    }
    // Only payment-intake and settlement hold these keys (docs/architecture.md, "Money and data"): they
    // are required where they are used (requirePaymentDataKey, requireIdempotencyHmacKey), not here.
    if (env.IDEMPOTENCY_HMAC_KEY === DEV_IDEMPOTENCY_HMAC_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['IDEMPOTENCY_HMAC_KEY'],
        message: 'must not be the development key in production',
      });
    }
    if (env.PAYMENT_DATA_KEY === DEV_PAYMENT_DATA_KEY) {
      ctx.addIssue({
        code: 'custom',
        path: ['PAYMENT_DATA_KEY'],
        message: 'must not be the development key in production',
      });
    }
    if (env.REMIT_NOW !== undefined) {
      // A leftover test setting must not silently change what "now" means in production.
      ctx.addIssue({
        code: 'custom',
        path: ['REMIT_NOW'],
        message: 'not allowed in production',
      });
    }
  });

/**
 * Validates the environment once, at start, into a typed `RemitConfig` (CONTRIBUTING.md, "Configuration validated once": configuration
 * validated once per app; nothing else reads `process.env`). Throws one `ConfigError` listing every
 * bad variable; values are never echoed, since URLs and keys may hold secrets.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): RemitConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) => ({ variable: String(issue.path[0] ?? ''), message: issue.message })),
    );
  }
  const value = parsed.data;
  const nodeEnv: NodeEnv = value.NODE_ENV;
  return {
    nodeEnv,
    databaseUrl: value.DATABASE_URL,
    redisUrl: value.REDIS_URL,
    kafkaBrokers: value.KAFKA_BROKERS,
    smtpUrl: value.SMTP_URL,
    authJwtSecret: value.AUTH_JWT_SECRET ?? DEV_JWT_SECRET,
    auth: {
      maxLifetimeSeconds: value.AUTH_TOKEN_MAX_LIFETIME_SECONDS,
      clockToleranceSeconds: value.AUTH_CLOCK_TOLERANCE_SECONDS,
      ...(value.AUTH_JWT_ISSUER !== undefined ? { issuer: value.AUTH_JWT_ISSUER } : {}),
      ...(value.AUTH_JWT_AUDIENCE !== undefined ? { audience: value.AUTH_JWT_AUDIENCE } : {}),
    },
    idempotencyHmacKey:
      value.IDEMPOTENCY_HMAC_KEY !== undefined
        ? Buffer.from(value.IDEMPOTENCY_HMAC_KEY, 'base64')
        : nodeEnv === 'production'
          ? null
          : Buffer.from(DEV_IDEMPOTENCY_HMAC_KEY, 'base64'),
    kafkaGroupPrefix: value.KAFKA_GROUP_PREFIX ?? `remit-${nodeEnv}`,
    paymentRedriveAfterMs: value.PAYMENT_REDRIVE_AFTER_SECONDS * 1000,
    docsEnabled: value.DOCS_ENABLED ?? nodeEnv !== 'production',
    paymentDataKey:
      value.PAYMENT_DATA_KEY !== undefined || nodeEnv !== 'production'
        ? {
            keyId: value.PAYMENT_DATA_KEY_ID,
            key: Buffer.from(value.PAYMENT_DATA_KEY ?? DEV_PAYMENT_DATA_KEY, 'base64'),
          }
        : null,
    previousPaymentDataKeys: value.PAYMENT_DATA_PREVIOUS_KEYS,
    ...(value.REMIT_NOW !== undefined ? { remitNow: value.REMIT_NOW } : {}),
    achCutoff: value.ACH_CUTOFF,
    ports: {
      intake: value.INTAKE_PORT,
      invoice: value.INVOICE_PORT,
      settlement: value.SETTLEMENT_PORT,
      notification: value.NOTIFICATION_PORT,
    },
    logLevel: value.LOG_LEVEL,
    logFormat: value.LOG_FORMAT,
    migrationsRun: value.DB_MIGRATIONS_RUN ?? false,
    preparedStatements: value.DB_PREPARED_STATEMENTS ?? true,
    checkRemitAddress: value.CHECK_REMIT_ADDRESS,
    ach: {
      outboundDir: value.ACH_OUTBOUND_DIR,
      immediateDestination: value.ACH_IMMEDIATE_DESTINATION,
      immediateDestinationName: value.ACH_IMMEDIATE_DESTINATION_NAME,
      immediateOrigin: value.ACH_IMMEDIATE_ORIGIN,
      immediateOriginName: value.ACH_IMMEDIATE_ORIGIN_NAME,
      odfiRoutingNumber: value.ACH_ODFI_ROUTING_NUMBER,
      companyName: value.ACH_COMPANY_NAME,
      companyId: value.ACH_COMPANY_ID,
    },
    wireInstructions: {
      beneficiaryName: value.WIRE_BENEFICIARY_NAME,
      bankName: value.WIRE_BANK_NAME,
      routingNumber: value.WIRE_ROUTING_NUMBER,
      accountNumber: value.WIRE_ACCOUNT_NUMBER,
    },
    notification: {
      emailFrom: value.NOTIFICATION_EMAIL_FROM,
      emailAttempts: value.NOTIFICATION_EMAIL_ATTEMPTS,
      retryBaseMs: value.NOTIFICATION_RETRY_BASE_MS,
      webhookRetryWindowMs: value.WEBHOOK_RETRY_WINDOW_SECONDS * 1000,
      // Tests and a developer's machine deliver to a local receiver; production never to its own network.
      webhookAllowPrivateUrls: value.WEBHOOK_ALLOW_PRIVATE_URLS ?? nodeEnv !== 'production',
      ...(value.WEBHOOK_SECRET_KEY !== undefined
        ? { webhookSecretKey: { keyId: 'webhook-1', key: Buffer.from(value.WEBHOOK_SECRET_KEY, 'base64') } }
        : {}),
    },
    // Only where asked for by name: an unset NODE_ENV is production, and production has no test clock.
    testClockEnabled: nodeEnv === 'development' || nodeEnv === 'test',
    cardProcessor: value.CARD_PROCESSOR,
    declaredPaymentExpiryDays: value.DECLARED_PAYMENT_EXPIRY_DAYS,
    autopay: {
      representAfterBusinessDays: value.AUTOPAY_REPRESENT_BUSINESS_DAYS,
      reminderBusinessDays: value.AUTOPAY_REMINDER_BUSINESS_DAYS,
    },
  };
}
