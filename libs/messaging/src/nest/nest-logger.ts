import { Logger } from '@nestjs/common';
import type { LogFields, MessagingLogger } from '../logger';

/**
 * The messaging logger on top of Nest's `Logger`, so lines go wherever the app sends Nest logs
 * (nestjs-pino turns the object into structured fields; the console logger prints it as JSON).
 */
export function nestMessagingLogger(context: string): MessagingLogger {
  const logger = new Logger(context);
  const line = (fields: LogFields, message: string): LogFields => ({ msg: message, ...fields });
  return {
    debug: (fields, message) => logger.debug(line(fields, message)),
    info: (fields, message) => logger.log(line(fields, message)),
    warn: (fields, message) => logger.warn(line(fields, message)),
    error: (fields, message) => logger.error(line(fields, message)),
  };
}
