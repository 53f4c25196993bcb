import { HttpException } from '@nestjs/common';
import { AppError, type ErrorDetail, type ErrorEnvelope } from './app-error';
import { classifyInfrastructureError, type InfrastructureFailure } from './infrastructure-error';

export interface ErrorResponse {
  status: number;
  body: ErrorEnvelope;
  /** True when the error is ours (5xx): log it with its stack; the client sees a generic message. */
  unexpected: boolean;
  /** Set for a dependency outage (503): the `Retry-After` header and what to log, as a warning. */
  outage?: InfrastructureFailure;
}

/** `AREA.REASON` — the shape of domain error codes; excludes pg's `23505` and Node's `ECONNREFUSED`. */
const DOMAIN_CODE = /^[A-Z][A-Z0-9_]*(\.[A-Z0-9_]+)+$/;

const STATUS_CODES: Record<number, string> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  406: 'NOT_ACCEPTABLE',
  408: 'REQUEST_TIMEOUT',
  409: 'CONFLICT',
  410: 'GONE',
  411: 'LENGTH_REQUIRED',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE',
  428: 'PRECONDITION_REQUIRED',
  429: 'TOO_MANY_REQUESTS',
  500: 'INTERNAL',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/** The envelope code of a bare HTTP status (`404` → `NOT_FOUND`). */
export function codeForStatus(status: number): string {
  return STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST');
}

/** body-parser's errors (http-errors with a `type`), mapped without echoing the body they choked on. */
const BODY_PARSER_ERRORS: Record<string, { status: number; code: string; message: string }> = {
  'entity.parse.failed': {
    status: 400,
    code: 'MALFORMED_JSON',
    message: 'the request body is not valid JSON',
  },
  'entity.too.large': { status: 413, code: 'PAYLOAD_TOO_LARGE', message: 'the request body is too large' },
  'entity.verify.failed': { status: 403, code: 'FORBIDDEN', message: 'the request body was refused' },
  'encoding.unsupported': {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'the request body encoding is not supported',
  },
  'charset.unsupported': {
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
    message: 'the request body charset is not supported',
  },
  'parameters.too.many': {
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    message: 'the request has too many parameters',
  },
  'request.aborted': { status: 400, code: 'BAD_REQUEST', message: 'the request was aborted' },
  'request.size.invalid': {
    status: 400,
    code: 'BAD_REQUEST',
    message: 'the request body does not match its Content-Length',
  },
};

const INTERNAL: ErrorEnvelope = {
  error: { code: 'INTERNAL', message: 'an unexpected error occurred', details: [] },
};

/** The same words for every outage: the driver's message may name hosts, users or SQL. */
const UNAVAILABLE: ErrorEnvelope = {
  error: {
    code: 'SERVICE_UNAVAILABLE',
    message: 'the service cannot complete the request right now; retry after the Retry-After delay',
    details: [],
  },
};

function envelope(code: string, message: string, details: ErrorDetail[] = []): ErrorEnvelope {
  return { error: { code, message, details } };
}

/**
 * A body-parser failure as an `AppError`, or undefined. `bootstrapService` translates them before Nest
 * does: Nest would turn bad JSON into a BadRequestException carrying JSON.parse's message, which
 * quotes the start of the body — possibly an account number.
 */
export function bodyParserErrorToAppError(error: unknown): AppError | undefined {
  if (!(error instanceof Error)) return undefined;
  const type = (error as { type?: unknown }).type;
  if (typeof type !== 'string' || !(type in BODY_PARSER_ERRORS)) return undefined;
  const mapped = BODY_PARSER_ERRORS[type];
  return new AppError(mapped.status, mapped.code, mapped.message, [], { cause: error });
}

/** JSON.parse's messages all name JSON; Nest's own mapping of bad JSON leaves only that message. */
const JSON_SYNTAX_MESSAGE = /\bJSON\b/;

function httpExceptionMessage(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message) && message.every((part) => typeof part === 'string')) return message.join('; ');
  return exception.message;
}

/**
 * Maps anything thrown while serving a request to a status and the public error envelope
 * (docs/architecture.md, "Public contract"). Pure, so that the mapping is unit-tested without Nest:
 *
 * - `AppError` → its status, code, message and details;
 * - a domain error — any `Error` whose string `code` looks like `ALLOCATION.EXCEEDS_AMOUNT_DUE`, with an
 *   optional `field` — → 422: the request was understood and a business rule refused it;
 * - Nest `HttpException` (unknown route → 404 `NOT_FOUND`, …) → its status;
 * - body-parser errors (bad JSON → 400 `MALFORMED_JSON`, too large → 413) → their status;
 * - a dependency outage (`classifyInfrastructureError`: PostgreSQL or Redis unreachable, a lock or
 *   statement timeout, a serialization failure or deadlock) → 503 `SERVICE_UNAVAILABLE` with
 *   `retryAfterSeconds` for the `Retry-After` header and a generic message: the request may succeed
 *   shortly, and a 500 would tell the client it never will;
 * - anything else → 500 `INTERNAL` with a generic message: details of our failures stay in the log.
 */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof AppError) {
    return { status: error.status, body: error.toEnvelope(), unexpected: error.status >= 500 };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const message = httpExceptionMessage(error);
    if (status === 400 && JSON_SYNTAX_MESSAGE.test(message)) {
      const malformed = BODY_PARSER_ERRORS['entity.parse.failed'];
      return { status, body: envelope(malformed.code, malformed.message), unexpected: false };
    }
    return {
      status,
      body: envelope(codeForStatus(status), message),
      unexpected: status >= 500,
    };
  }
  if (!(error instanceof Error)) return { status: 500, body: INTERNAL, unexpected: true };

  const candidate = error as Error & { code?: unknown; field?: unknown; type?: unknown; status?: unknown };
  if (typeof candidate.code === 'string' && DOMAIN_CODE.test(candidate.code)) {
    const details =
      typeof candidate.field === 'string' && candidate.field !== ''
        ? [{ field: candidate.field, code: candidate.code, message: error.message }]
        : [];
    return { status: 422, body: envelope(candidate.code, error.message, details), unexpected: false };
  }
  const bodyParserError = bodyParserErrorToAppError(error);
  if (bodyParserError) {
    return { status: bodyParserError.status, body: bodyParserError.toEnvelope(), unexpected: false };
  }
  const outage = classifyInfrastructureError(error);
  if (outage) return { status: 503, body: UNAVAILABLE, unexpected: false, outage };
  // Other http-errors meant for the client (`expose` is set for 4xx by the http-errors package).
  const exposed = (candidate as { expose?: unknown }).expose === true;
  if (exposed && typeof candidate.status === 'number' && candidate.status >= 400 && candidate.status < 500) {
    return {
      status: candidate.status,
      body: envelope(codeForStatus(candidate.status), error.message),
      unexpected: false,
    };
  }
  return { status: 500, body: INTERNAL, unexpected: true };
}
