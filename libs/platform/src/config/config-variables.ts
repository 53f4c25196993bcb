/**
 * Every environment variable Remit reads, with its default and meaning — the README's configuration
 * table is this list (docs/architecture.md, "Configuration": the README lists each with its default).
 * `loadConfig` takes its defaults from here, and `npm run docs:config` writes the README's table from
 * it (a unit test fails when the two differ), so the documentation cannot drift from the code.
 */
export interface ConfigVariable {
  name: string;
  /** The value used when the variable is unset or empty; `undefined` means "unset" (optional or required). */
  default: string | undefined;
  description: string;
  /** Never echoed back (not even in validation errors). */
  secret: boolean;
}

/** The development-only JWT secret; refused in production. */
export const DEV_JWT_SECRET = 'remit-dev-secret-not-for-production';

/** The development-only AES-256-GCM key for bank account numbers at rest: base64 of 32 bytes. */
export const DEV_PAYMENT_DATA_KEY = Buffer.alloc(32, 'remit-dev-payment-data-key').toString('base64');

/** The development-only HMAC key of idempotency request fingerprints: base64 of 32 bytes. */
export const DEV_IDEMPOTENCY_HMAC_KEY = Buffer.alloc(32, 'remit-dev-idempotency-hmac-key').toString('base64');

export const DEFAULT_CHECK_REMIT_ADDRESS = 'Fusion, P. O. Box 411470, Boston, MA 02241-1289';

/** The development-only AES-256-GCM key of webhook signing secrets at rest: base64 of 32 bytes. */
export const DEV_WEBHOOK_SECRET_KEY = Buffer.alloc(32, 'remit-dev-webhook-secret-key').toString('base64');

export const CONFIG_VARIABLES = [
  {
    name: 'NODE_ENV',
    default: undefined,
    description:
      '`development`, `test` or `production`; unset means production. The development secrets and keys, the test clock and `/docs` (unless `DOCS_ENABLED`) exist only under `development` or `test`; `npm start` sets `development`, tests `test`',
    secret: false,
  },
  {
    name: 'DATABASE_URL',
    default: 'postgres://postgres@127.0.0.1:5432/remit',
    description:
      'PostgreSQL: one database, one schema per service (tests use `remit_test`); each session waits at most 10 s for a lock and 30 s for a statement',
    secret: true,
  },
  {
    name: 'REDIS_URL',
    default: 'redis://127.0.0.1:6379/0',
    description: 'Redis: BullMQ queues and the shared test clock (tests use db 1)',
    secret: true,
  },
  {
    name: 'KAFKA_BROKERS',
    default: '127.0.0.1:9092',
    description: 'comma-separated Kafka bootstrap brokers, `host:port`',
    secret: false,
  },
  {
    name: 'SMTP_URL',
    default: 'smtp://127.0.0.1:1025',
    description: 'outgoing mail server (notification)',
    secret: true,
  },
  {
    name: 'AUTH_JWT_SECRET',
    default: undefined,
    description: `HS256 secret of the bearer tokens; required in production (at least 32 characters), \`${DEV_JWT_SECRET}\` otherwise`,
    secret: true,
  },
  {
    name: 'AUTH_TOKEN_MAX_LIFETIME_SECONDS',
    default: '86400',
    description:
      'the longest a bearer token may live (`exp` − `iat`, or `exp` − now without `iat`); a token without `exp` or living longer is refused (401)',
    secret: false,
  },
  {
    name: 'AUTH_CLOCK_TOLERANCE_SECONDS',
    default: '30',
    description:
      'clock skew allowed between the token issuer and the services when checking `exp`, `nbf` and `iat`',
    secret: false,
  },
  {
    name: 'AUTH_JWT_ISSUER',
    default: undefined,
    description: 'when set, tokens must carry this `iss`',
    secret: false,
  },
  {
    name: 'AUTH_JWT_AUDIENCE',
    default: undefined,
    description: 'when set, tokens must carry this `aud`',
    secret: false,
  },
  {
    name: 'PAYMENT_DATA_KEY',
    default: undefined,
    description:
      'AES-256-GCM key (base64 of 32 bytes) for bank account numbers at rest and in `payment.submitted`; payment-intake and settlement only, required by them in production, a development key otherwise',
    secret: true,
  },
  {
    name: 'PAYMENT_DATA_KEY_ID',
    default: 'dev-1',
    description: 'the id stored beside each ciphertext, so that keys can be rotated',
    secret: false,
  },
  {
    name: 'PAYMENT_DATA_PREVIOUS_KEYS',
    default: undefined,
    description: 'retired keys still able to decrypt, `keyId:base64,keyId:base64` (key rotation)',
    secret: true,
  },
  {
    name: 'IDEMPOTENCY_HMAC_KEY',
    default: undefined,
    description:
      'HMAC-SHA256 key (base64 of 32 bytes) of idempotency request fingerprints, separate from the data key so that rotating that never turns a retry into a 422; payment-intake only, required by it in production, a development key otherwise',
    secret: true,
  },
  {
    name: 'KAFKA_GROUP_PREFIX',
    default: undefined,
    description:
      'prefix of every Kafka consumer group and client id, so that two environments on one broker never share a group; `remit-<NODE_ENV>` when unset',
    secret: false,
  },
  {
    name: 'PAYMENT_REDRIVE_AFTER_SECONDS',
    default: '120',
    description:
      'a payment still `submitted` this long after its 201 has its `payment.submitted` published again',
    secret: false,
  },
  {
    name: 'DOCS_ENABLED',
    default: undefined,
    description:
      '`true`/`false`: serve the OpenAPI document at `/docs` and `/docs-json`; unset, on under `development` and `test`, off in production',
    secret: false,
  },
  {
    name: 'REMIT_NOW',
    default: undefined,
    description:
      'an ISO 8601 instant with offset: under `development` or `test`, every service starts with the shared test clock frozen there; refused in production',
    secret: false,
  },
  {
    name: 'ACH_CUTOFF',
    default: '17:00',
    description: 'America/New_York cutoff `HH:MM`; later submissions count from the next business day',
    secret: false,
  },
  { name: 'INTAKE_PORT', default: '3001', description: 'HTTP port of payment-intake', secret: false },
  { name: 'INVOICE_PORT', default: '3002', description: 'HTTP port of invoice', secret: false },
  { name: 'SETTLEMENT_PORT', default: '3003', description: 'HTTP port of settlement', secret: false },
  { name: 'NOTIFICATION_PORT', default: '3004', description: 'HTTP port of notification', secret: false },
  {
    name: 'LOG_LEVEL',
    default: 'info',
    description: 'pino level: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`',
    secret: false,
  },
  {
    name: 'LOG_FORMAT',
    default: 'json',
    description: '`json` (one object per line) or `pretty` (pino-pretty, for a terminal)',
    secret: false,
  },
  {
    name: 'DB_MIGRATIONS_RUN',
    default: 'false',
    description:
      'run pending migrations when a service starts (`true`/`false`); `npm run migrate` is the usual step',
    secret: false,
  },
  {
    name: 'DB_PREPARED_STATEMENTS',
    default: 'true',
    description:
      'send the statements a connection repeats as named prepared statements (`true`/`false`); `false` behind a pooler in transaction mode',
    secret: false,
  },
  {
    name: 'CHECK_REMIT_ADDRESS',
    default: DEFAULT_CHECK_REMIT_ADDRESS,
    description: 'where customers mail checks, shown in payment notices',
    secret: false,
  },
  {
    name: 'CARD_PROCESSOR',
    default: 'sandbox',
    description:
      'card processor adapter of settlement; `sandbox` answers by test token (`tok_approve`, `tok_decline`, `tok_insufficient_funds`, `tok_timeout`; docs/finance-ops.md) and moves no money',
    secret: false,
  },
  {
    name: 'DECLARED_PAYMENT_EXPIRY_DAYS',
    default: '30',
    description:
      'a declared check or wire payment not received this many calendar days after its submission business day is `expired`',
    secret: false,
  },
  {
    name: 'ACH_OUTBOUND_DIR',
    default: '.run/ach-outbound',
    description:
      'folder (created with mode 0700) where settlement writes each NACHA origination file in clear, mode 0600, for the transfer to the bank; the database keeps them encrypted',
    secret: false,
  },
  {
    name: 'ACH_IMMEDIATE_DESTINATION',
    default: '091000019',
    description:
      'routing number of the bank (or ACH operator) receiving the NACHA files; the default is a development placeholder',
    secret: false,
  },
  {
    name: 'ACH_IMMEDIATE_DESTINATION_NAME',
    default: 'REMIT DEV ODFI',
    description: 'name of that bank in the file header (at most 23 characters)',
    secret: false,
  },
  {
    name: 'ACH_IMMEDIATE_ORIGIN',
    default: '1234567890',
    description: 'immediate origin of the NACHA files: 9 or 10 digits, as the bank assigns it',
    secret: false,
  },
  {
    name: 'ACH_IMMEDIATE_ORIGIN_NAME',
    default: 'REMIT',
    description: 'name of the originator in the file header (at most 23 characters)',
    secret: false,
  },
  {
    name: 'ACH_ODFI_ROUTING_NUMBER',
    default: '091000019',
    description: 'routing number of the originating bank (ODFI); its first 8 digits start every trace number',
    secret: false,
  },
  {
    name: 'ACH_COMPANY_NAME',
    default: 'REMIT',
    description:
      'company name of the CCD batches, as the customer sees it on the bank statement (at most 16 characters)',
    secret: false,
  },
  {
    name: 'ACH_COMPANY_ID',
    default: '1234567890',
    description: 'company identification of the CCD batches (at most 10 characters, usually 1 + the EIN)',
    secret: false,
  },
  {
    name: 'WIRE_BENEFICIARY_NAME',
    default: 'Fusion',
    description: 'wire instructions shown to customers who pay by wire: the beneficiary',
    secret: false,
  },
  {
    name: 'WIRE_BANK_NAME',
    default: 'Example Bank, N.A.',
    description: 'wire instructions: the receiving bank',
    secret: false,
  },
  {
    name: 'WIRE_ROUTING_NUMBER',
    default: '021000021',
    description: "wire instructions: the receiving bank's 9-digit ABA routing number",
    secret: false,
  },
  {
    name: 'WIRE_ACCOUNT_NUMBER',
    default: '000000000000',
    description:
      "wire instructions: the beneficiary's account number (the platform's own, published to customers)",
    secret: false,
  },
  {
    name: 'AUTOPAY_REPRESENT_BUSINESS_DAYS',
    default: '2',
    description:
      'autopay: business days after an R01/R09 return before the debit is re-presented (at most twice, within 180 days)',
    secret: false,
  },
  {
    name: 'AUTOPAY_REMINDER_BUSINESS_DAYS',
    default: '3',
    description: 'autopay: business days before an autopay debit that the customer is reminded of it',
    secret: false,
  },
  {
    name: 'NOTIFICATION_EMAIL_FROM',
    default: 'Remit Billing <billing@remit.example>',
    description: 'the From address of customer emails',
    secret: false,
  },
  {
    name: 'NOTIFICATION_EMAIL_ATTEMPTS',
    default: '10',
    description: 'SMTP sends of one email before it is marked `dead`',
    secret: false,
  },
  {
    name: 'NOTIFICATION_RETRY_BASE_MS',
    default: '10000',
    description: 'first retry delay of an email or webhook delivery; doubles with every attempt',
    secret: false,
  },
  {
    name: 'WEBHOOK_RETRY_WINDOW_SECONDS',
    default: '259200',
    description:
      'how long a failing webhook delivery is retried (exponential backoff) before it is marked `dead`',
    secret: false,
  },
  {
    name: 'WEBHOOK_ALLOW_PRIVATE_URLS',
    default: undefined,
    description:
      '`true`/`false`: accept webhook endpoints on loopback or private addresses; unset, on under `development` and `test`, off in production',
    secret: false,
  },
  {
    name: 'WEBHOOK_SECRET_KEY',
    default: undefined,
    description:
      'AES-256-GCM key (base64 of 32 bytes) sealing webhook signing secrets at rest; notification requires it in production and uses a development key otherwise',
    secret: true,
  },
] as const satisfies readonly ConfigVariable[];

export type ConfigVariableName = (typeof CONFIG_VARIABLES)[number]['name'];

/** The configuration table of the README, rendered from `CONFIG_VARIABLES`. */
export function configVariablesMarkdown(variables: readonly ConfigVariable[] = CONFIG_VARIABLES): string {
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  const rows = variables.map(
    (variable) =>
      `| \`${variable.name}\` | ${variable.default === undefined ? 'unset' : `\`${cell(variable.default)}\``} | ${cell(variable.description)} |`,
  );
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** The README's configuration table sits between these two lines. */
export const README_TABLE_START = '<!-- config-variables:start (npm run docs:config) -->';
export const README_TABLE_END = '<!-- config-variables:end -->';

/** The README's configuration table as written, or `undefined` when its markers are missing. */
export function readmeConfigTable(readme: string): string | undefined {
  const start = readme.indexOf(README_TABLE_START);
  const end = readme.indexOf(README_TABLE_END);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + README_TABLE_START.length, end).trim();
}

/** `readme` with its configuration table replaced by `table`. */
export function withReadmeConfigTable(readme: string, table: string): string {
  if (readmeConfigTable(readme) === undefined) {
    throw new Error(`README.md has no ${README_TABLE_START} … ${README_TABLE_END} block`);
  }
  const start = readme.indexOf(README_TABLE_START) + README_TABLE_START.length;
  return `${readme.slice(0, start)}\n\n${table}\n\n${readme.slice(readme.indexOf(README_TABLE_END))}`;
}

/**
 * A Markdown table reduced to its cells, so that Prettier's column padding does not count as a
 * difference: one array of trimmed cells per row, the `---` separator row left out.
 */
export function markdownTableCells(table: string): string[][] {
  return table
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.startsWith('|') && !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}
