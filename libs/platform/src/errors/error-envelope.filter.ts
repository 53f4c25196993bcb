import { Catch, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { toErrorResponse } from './error-response';

/**
 * Global filter: every error leaves an HTTP service as `{"error":{code,message,details}}`
 * (docs/architecture.md, "Public contract"). Our own failures (5xx) are logged with their stack; a
 * dependency outage is logged as a warning and answered 503 with `Retry-After`.
 */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorEnvelopeFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    // Only HTTP has an envelope; elsewhere the caller (a consumer, a job) decides what an error means.
    if (host.getType() !== 'http') throw exception;
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body, unexpected, outage } = toErrorResponse(exception);
    if (outage) {
      // One line, no stack: during an outage every request fails the same way.
      this.logger.warn(`dependency unavailable (${outage.kind}: ${outage.reason}); answered 503`);
    }
    if (unexpected) {
      this.logger.error(
        exception instanceof Error
          ? (exception.stack ?? exception.message)
          : `non-Error thrown: ${String(exception)}`,
      );
    }
    if (response.headersSent) return;
    if (status === 401) response.setHeader('WWW-Authenticate', 'Bearer');
    if (outage) response.setHeader('Retry-After', String(outage.retryAfterSeconds));
    response.status(status).json(body);
  }
}
