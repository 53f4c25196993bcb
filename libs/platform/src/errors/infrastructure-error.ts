/**
 * Whether an error is an outage of a dependency (PostgreSQL or Redis unreachable, overloaded, or a
 * lock or statement that timed out) rather than a fault of the request or of our code. The HTTP edge
 * answers those with 503 and `Retry-After` instead of 500 (docs/architecture.md, "Error envelope"):
 * the request is fine and will likely succeed shortly, and a client or a load balancer can act on it.
 *
 * Pure: it reads only an error's `code`, `name`, `routine` and `message`, the `driverError` TypeORM wraps, a
 * `cause`, and the `errors` of an AggregateError (Node's happy-eyeballs connect). libs/messaging has
 * a narrower classifier for redelivery (`isInfrastructureError` in dead-letter.ts); the two could
 * share one module.
 */
import { isStalePlanError } from '../database/prepared-statements';

/**
 * - `unreachable`: the connection failed or was lost (server down, restarting, network);
 * - `busy`: the server answered but could not serve in time (pool or connection limit, lock or
 *   statement timeout);
 * - `conflict`: PostgreSQL gave up on this transaction to let a concurrent one through
 *   (serialization failure, deadlock), or refused a prepared statement a migration outdated (which
 *   the next try prepares afresh); retrying soon usually succeeds.
 */
export type InfrastructureFailureKind = 'unreachable' | 'busy' | 'conflict';

export interface InfrastructureFailure {
  kind: InfrastructureFailureKind;
  /** What was recognised, for the log: `55P03 lock_not_available`, `ECONNREFUSED`, … Never for the client. */
  reason: string;
  /** The delay to announce in `Retry-After`. */
  retryAfterSeconds: number;
}

/**
 * Retry-After by kind: a restarting server needs seconds; a lock or a busy pool clears sooner; a
 * transaction that lost a race can go again almost at once.
 */
export const RETRY_AFTER_SECONDS: Record<InfrastructureFailureKind, number> = {
  unreachable: 5,
  busy: 2,
  conflict: 1,
};

/** PostgreSQL SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html) and Node socket codes. */
const CODES: Record<string, { kind: InfrastructureFailureKind; name: string }> = {
  '53300': { kind: 'busy', name: 'too_many_connections' },
  '55P03': { kind: 'busy', name: 'lock_not_available' }, // lock_timeout, or NOWAIT
  '57014': { kind: 'busy', name: 'query_canceled' }, // statement_timeout
  '57P01': { kind: 'unreachable', name: 'admin_shutdown' },
  '57P02': { kind: 'unreachable', name: 'crash_shutdown' },
  '57P03': { kind: 'unreachable', name: 'cannot_connect_now' },
  '40001': { kind: 'conflict', name: 'serialization_failure' },
  '40P01': { kind: 'conflict', name: 'deadlock_detected' },
  ECONNREFUSED: { kind: 'unreachable', name: 'connection refused' },
  ECONNRESET: { kind: 'unreachable', name: 'connection reset' },
  ETIMEDOUT: { kind: 'unreachable', name: 'connection timed out' },
  EPIPE: { kind: 'unreachable', name: 'broken pipe' },
  EHOSTUNREACH: { kind: 'unreachable', name: 'host unreachable' },
  ENETUNREACH: { kind: 'unreachable', name: 'network unreachable' },
  ENOTFOUND: { kind: 'unreachable', name: 'host not found' },
  EAI_AGAIN: { kind: 'unreachable', name: 'DNS lookup failed' },
};

/** Errors recognised by message: the drivers raise these without a code. */
const MESSAGES: { pattern: RegExp; kind: InfrastructureFailureKind; name: string }[] = [
  // pg: the server closed the connection, or connectionTimeoutMillis passed while connecting.
  { pattern: /^Connection terminated/i, kind: 'unreachable', name: 'pg connection terminated' },
  // pg: a client whose connection failed earlier.
  { pattern: /is not queryable/i, kind: 'unreachable', name: 'pg client not queryable' },
  // pg-pool: no connection could be had within connectionTimeoutMillis (database down or pool exhausted).
  { pattern: /^timeout exceeded when trying to connect/i, kind: 'busy', name: 'pg pool connect timeout' },
  // ioredis: the connection is gone and will not be retried for this command.
  { pattern: /^Connection is closed\.?$/i, kind: 'unreachable', name: 'redis connection closed' },
  // ioredis with enableOfflineQueue: false — Redis is not connected right now.
  { pattern: /^Stream isn't writeable/i, kind: 'unreachable', name: 'redis not connected' },
  // ioredis: commandTimeout passed.
  { pattern: /^Command timed out$/i, kind: 'busy', name: 'redis command timeout' },
];

/** ioredis gave up on a command after `maxRetriesPerRequest` reconnections. */
const NAMES: Record<string, { kind: InfrastructureFailureKind; name: string }> = {
  MaxRetriesPerRequestError: { kind: 'unreachable', name: 'redis max retries per request' },
};

/** How deep to follow `cause`, `driverError` and `errors`: wrappers nest a few levels at most. */
const MAX_DEPTH = 4;

function failure(kind: InfrastructureFailureKind, reason: string): InfrastructureFailure {
  return { kind, reason, retryAfterSeconds: RETRY_AFTER_SECONDS[kind] };
}

function classifyOne(error: object): InfrastructureFailure | undefined {
  const { code, name } = error as { code?: unknown; name?: unknown };
  // A prepared statement a migration outdated: PreparingClient prepares it afresh for the next try.
  if (isStalePlanError(error)) return failure('conflict', '0A000 cached plan changed');
  if (typeof code === 'string') {
    const known = CODES[code];
    if (known) return failure(known.kind, /^[0-9A-Z]{5}$/.test(code) ? `${code} ${known.name}` : code);
    // SQLSTATE class 08: connection exception (08000, 08003, 08006, …).
    if (/^08[0-9A-Z]{3}$/.test(code)) return failure('unreachable', `${code} connection_exception`);
  }
  if (typeof name === 'string' && name in NAMES) return failure(NAMES[name].kind, NAMES[name].name);
  if (error instanceof Error) {
    const matched = MESSAGES.find((entry) => entry.pattern.test(error.message));
    if (matched) return failure(matched.kind, matched.name);
  }
  return undefined;
}

/** The infrastructure failure behind `error`, or undefined when it is something else. */
export function classifyInfrastructureError(error: unknown, depth = 0): InfrastructureFailure | undefined {
  if (typeof error !== 'object' || error === null || depth > MAX_DEPTH) return undefined;
  const direct = classifyOne(error);
  if (direct) return direct;
  const { driverError, cause, errors } = error as {
    driverError?: unknown;
    cause?: unknown;
    errors?: unknown;
  };
  const inner = [driverError, cause, ...(Array.isArray(errors) ? (errors as unknown[]) : [])];
  for (const candidate of inner) {
    const found = classifyInfrastructureError(candidate, depth + 1);
    if (found) return found;
  }
  return undefined;
}
