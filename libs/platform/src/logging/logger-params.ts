import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { RemitConfig } from '../config/remit-config';

/**
 * Fields never written to a log (docs/architecture.md, "Money and data": bank account numbers are never logged;
 * card numbers are never accepted, and a rejected one must not leak through the log either).
 * Routing numbers are public bank identifiers and stay visible.
 */
export const SECRET_FIELDS = [
  'accountNumber',
  'accountNumberConfirmation',
  'cardNumber',
  'password',
] as const;

/** pino cannot redact recursively: each secret field is redacted up to four levels deep. */
export const REDACTED_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  ...SECRET_FIELDS.flatMap((field) => [
    field,
    `*.${field}`,
    `*.*.${field}`,
    `*.*.*.${field}`,
    `*.*.*.*.${field}`,
  ]),
];

export const REDACTION_CENSOR = '[redacted]';

/** Request ids accepted from callers: short and printable, so that a header cannot forge log lines. */
const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The caller's `X-Request-Id` (or `X-Correlation-Id`) when well-formed, else a new UUID; echoed back. */
export function requestIdOf(request: IncomingMessage, response?: ServerResponse): string {
  const offered =
    firstHeader(request.headers['x-request-id']) ?? firstHeader(request.headers['x-correlation-id']);
  const id = offered !== undefined && REQUEST_ID.test(offered) ? offered : randomUUID();
  if (response && !response.headersSent) response.setHeader('X-Request-Id', id);
  return id;
}

const QUIET_PATHS = /^\/(health|docs)(\/|-json|\?|$)/;

/**
 * The level of a request line. A 503 is a dependency outage the error filter has already logged as
 * a warning (with what was down): logging each refused request as an error would drown the one
 * line that matters. Other 5xx are our failures.
 */
export function requestLogLevel(statusCode: number, error: unknown): 'info' | 'warn' | 'error' {
  if (statusCode === 503) return 'warn';
  return error !== undefined || statusCode >= 500 ? 'error' : 'info';
}

/** nestjs-pino options of a service: level, JSON or pretty, `service` on every line, redaction, request ids. */
export function loggerParams(config: Pick<RemitConfig, 'logLevel' | 'logFormat'>, service: string): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      base: { service, pid: process.pid, hostname: hostname() },
      redact: { paths: REDACTED_PATHS, censor: REDACTION_CENSOR },
      genReqId: (request, response) => requestIdOf(request, response),
      // Request lines carry the id, method, url and status — no headers, no bodies.
      serializers: {
        req: (request: { id: unknown; method: string; url: string }) => ({
          id: request.id,
          method: request.method,
          url: request.url,
        }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      customLogLevel: (_request, response, error) => requestLogLevel(response.statusCode, error),
      autoLogging: { ignore: (request) => QUIET_PATHS.test(request.url ?? '') },
      ...(config.logFormat === 'pretty'
        ? {
            transport: {
              target: 'pino-pretty',
              options: {
                singleLine: true,
                colorize: true,
                translateTime: 'SYS:HH:MM:ss.l',
                ignore: 'pid,hostname',
              },
            },
          }
        : {}),
    },
  };
}
