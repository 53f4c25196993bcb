import {
  Catch,
  Injectable,
  Logger,
  type ArgumentMetadata,
  type ArgumentsHost,
  type ExceptionFilter,
  type PipeTransform,
} from '@nestjs/common';
import type { Response } from 'express';
import type { z } from 'zod';
import { parseWith, toErrorResponse } from './errors';

/** Renders every error as `{"error":{code,message,details}}` (DESIGN.md, public contract). */
@Catch()
export class ErrorEnvelopeFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = toErrorResponse(exception);
    if (status >= 500) {
      this.logger.error(
        exception instanceof Error ? (exception.stack ?? exception.message) : String(exception),
      );
    }
    response.status(status).json(body);
  }
}

/** Validates a body, query or param with a zod schema; failures are 400 with the field named. */
@Injectable()
export class ZodValidationPipe<T extends z.ZodTypeAny> implements PipeTransform<unknown, z.infer<T>> {
  constructor(private readonly schema: T) {}

  transform(value: unknown, metadata: ArgumentMetadata): z.infer<T> {
    const prefix = metadata.type === 'body' ? undefined : metadata.data;
    return parseWith(this.schema, value, prefix);
  }
}
