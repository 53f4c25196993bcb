import { z } from 'zod';

export interface ErrorDetail {
  field: string;
  code: string;
  message: string;
}

/** An error the HTTP edge renders as the public error envelope (DESIGN.md, public contract). */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'AppError';
  }

  static validation(details: ErrorDetail[], message = 'the request is not valid'): AppError {
    return new AppError(400, 'VALIDATION_FAILED', message, details);
  }
  static unauthorized(message = 'a valid bearer token is required'): AppError {
    return new AppError(401, 'UNAUTHENTICATED', message);
  }
  static forbidden(code: string, message: string): AppError {
    return new AppError(403, code, message);
  }
  static notFound(code: string, message: string): AppError {
    return new AppError(404, code, message);
  }
  static conflict(code: string, message: string, details: ErrorDetail[] = []): AppError {
    return new AppError(409, code, message, details);
  }
  static unprocessable(code: string, message: string, details: ErrorDetail[] = []): AppError {
    return new AppError(422, code, message, details);
  }
}

export interface ErrorEnvelope {
  error: { code: string; message: string; details: ErrorDetail[] };
}

export function zodDetails(error: z.ZodError): ErrorDetail[] {
  return error.issues.map((issue) => ({
    field: issue.path.join('.'),
    code: issue.code,
    message: issue.message,
  }));
}

/** Parses input with a schema; failures become 400 VALIDATION_FAILED with one detail per field. */
export function parseWith<T extends z.ZodTypeAny>(
  schema: T,
  input: unknown,
  fieldPrefix?: string,
): z.infer<T> {
  const result = schema.safeParse(input);
  if (result.success) return result.data as z.infer<T>;
  const details = zodDetails(result.error).map((detail) => ({
    ...detail,
    field: fieldPrefix ? [fieldPrefix, detail.field].filter(Boolean).join('.') : detail.field,
  }));
  throw AppError.validation(details);
}

/**
 * Maps anything thrown to a status and the envelope. Domain errors (an Error with a dotted string
 * `code`, such as DomainError from @remit/money) are 422: the request was understood and refused.
 */
export function toErrorResponse(error: unknown): { status: number; body: ErrorEnvelope } {
  if (error instanceof AppError) {
    return {
      status: error.status,
      body: { error: { code: error.code, message: error.message, details: error.details } },
    };
  }
  if (error instanceof Error) {
    const candidate = error as Error & {
      code?: unknown;
      field?: unknown;
      status?: unknown;
      getStatus?: () => number;
    };
    if (typeof candidate.getStatus === 'function') {
      const status = candidate.getStatus();
      const response = (candidate as { getResponse?: () => unknown }).getResponse?.();
      const body =
        typeof response === 'object' && response !== null ? (response as { message?: unknown }) : {};
      const message = typeof body.message === 'string' ? body.message : error.message;
      const code = status === 400 && /JSON/i.test(message) ? 'MALFORMED_JSON' : httpCode(status);
      return { status, body: { error: { code, message, details: [] } } };
    }
    if (typeof candidate.status === 'number' && candidate.status >= 400 && candidate.status < 500) {
      // body-parser errors (bad JSON, payload too large) carry a status and a type.
      const type = (candidate as { type?: unknown }).type;
      const code = type === 'entity.parse.failed' ? 'MALFORMED_JSON' : httpCode(candidate.status);
      return { status: candidate.status, body: { error: { code, message: error.message, details: [] } } };
    }
    if (typeof candidate.code === 'string' && /^[A-Z][A-Z_]*\.[A-Z_]+$/.test(candidate.code)) {
      const field = typeof candidate.field === 'string' ? candidate.field : '';
      return {
        status: 422,
        body: {
          error: {
            code: candidate.code,
            message: error.message,
            details: field ? [{ field, code: candidate.code, message: error.message }] : [],
          },
        },
      };
    }
  }
  return {
    status: 500,
    body: { error: { code: 'INTERNAL', message: 'an unexpected error occurred', details: [] } },
  };
}

function httpCode(status: number): string {
  const codes: Record<number, string> = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHENTICATED',
    403: 'FORBIDDEN',
    404: 'NOT_FOUND',
    405: 'METHOD_NOT_ALLOWED',
    409: 'CONFLICT',
    413: 'PAYLOAD_TOO_LARGE',
    415: 'UNSUPPORTED_MEDIA_TYPE',
    422: 'UNPROCESSABLE',
    429: 'TOO_MANY_REQUESTS',
  };
  return codes[status] ?? (status >= 500 ? 'INTERNAL' : 'ERROR');
}
