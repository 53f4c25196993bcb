/**
 * The logging surface the messaging core needs: pino's argument order (fields first, then the
 * message), so a pino logger can be passed as is. Nest apps get an adapter (nest/nest-logger.ts).
 *
 * Fields carry identifiers only (event id, type, topic, partition, offset): payloads can hold
 * personal or payment data and are never logged (docs/architecture.md, Money and data).
 */
export type LogFields = Record<string, unknown>;
export type LogFn = (fields: LogFields, message: string) => void;

export interface MessagingLogger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop: LogFn = () => undefined;

export const silentLogger: MessagingLogger = { debug: noop, info: noop, warn: noop, error: noop };

function toConsole(level: 'info' | 'warn' | 'error'): LogFn {
  return (fields, message) => {
    const line = JSON.stringify({ level, time: new Date().toISOString(), msg: message, ...fields });
    if (level === 'info') console.log(line);
    else console.error(line);
  };
}

/** Used when no logger is given: warnings and errors as JSON lines, nothing chattier. */
export const consoleLogger: MessagingLogger = {
  debug: noop,
  info: noop,
  warn: toConsole('warn'),
  error: toConsole('error'),
};

/** What may be logged about an error: its name, stable code and message (never the payload). */
export function describeError(error: unknown): {
  errorName: string;
  errorCode?: string;
  errorMessage: string;
} {
  if (error instanceof Error) {
    const code = errorCodeOf(error);
    return { errorName: error.name, ...(code ? { errorCode: code } : {}), errorMessage: error.message };
  }
  return { errorName: typeof error, errorMessage: String(error) };
}

/** Errors are data with stable codes (CONTRIBUTING.md, "Errors are data"); this reads one if present. */
export function errorCodeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error) {
    const code = error.code;
    if (typeof code === 'string' && code.length > 0) return code;
  }
  return undefined;
}
