/** One problem with one input field, as rendered in the error envelope's `details`. */
export interface ErrorDetail {
  /** Dotted path of the offending input (`invoices.0.amountCents`), or '' for the request as a whole. */
  field: string;
  code: string;
  message: string;
}

/** The public error body (docs/architecture.md, "Public contract"): `details` is always an array. */
export interface ErrorEnvelope {
  error: { code: string; message: string; details: ErrorDetail[] };
}

/**
 * An error the HTTP edge renders as the error envelope with its own status. `code` is stable and
 * dotted (`PAYMENT.ROUTING_NUMBER_INVALID`); clients branch on it, never on `message`.
 * Application services throw it; pure domain code throws its own coded errors instead
 * (e.g. `DomainError` of @remit/money), which the edge maps to 422 (CONTRIBUTING.md, "Errors are data").
 */
export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AppError';
  }

  /** 400 `VALIDATION_FAILED`: the request is malformed; one detail per bad field. */
  static validation(details: ErrorDetail[], message = 'the request is not valid'): AppError {
    return new AppError(400, 'VALIDATION_FAILED', message, details);
  }

  /** 401: no valid bearer token. */
  static unauthorized(message = 'a valid bearer token is required', code = 'UNAUTHENTICATED'): AppError {
    return new AppError(401, code, message);
  }

  /** 403: authenticated, but not allowed. */
  static forbidden(code = 'FORBIDDEN', message = 'this operation is not allowed'): AppError {
    return new AppError(403, code, message);
  }

  static notFound(code: string, message: string, details: ErrorDetail[] = []): AppError {
    return new AppError(404, code, message, details);
  }

  static conflict(code: string, message: string, details: ErrorDetail[] = []): AppError {
    return new AppError(409, code, message, details);
  }

  /** 422: the request was understood and is refused by a business rule. */
  static unprocessable(code: string, message: string, details: ErrorDetail[] = []): AppError {
    return new AppError(422, code, message, details);
  }

  toEnvelope(): ErrorEnvelope {
    return { error: { code: this.code, message: this.message, details: [...this.details] } };
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
