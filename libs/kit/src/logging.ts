import type { Params } from 'nestjs-pino';
import type { RemitConfig } from './config';

/** Account numbers never reach a log (DESIGN.md, Money and data); neither do tokens. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'accountNumber',
  'accountNumberConfirmation',
  '*.accountNumber',
  '*.accountNumberConfirmation',
  '*.*.accountNumber',
  '*.*.accountNumberConfirmation',
  'cardNumber',
  '*.cardNumber',
  'password',
];

export function loggerParams(config: RemitConfig, service: string): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      base: { service },
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      genReqId: (request) => {
        const header = request.headers['x-request-id'] ?? request.headers['x-correlation-id'];
        return (Array.isArray(header) ? header[0] : header) ?? crypto.randomUUID();
      },
      // Log lines written while serving a request carry its id, method and url, not every header.
      serializers: {
        req: (request: { id: unknown; method: string; url: string }) => ({
          id: request.id,
          method: request.method,
          url: request.url,
        }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
      },
      autoLogging: { ignore: (request) => request.url === '/health' },
      ...(config.logFormat === 'pretty'
        ? {
            transport: {
              target: 'pino-pretty',
              options: { singleLine: true, colorize: true, ignore: 'pid,hostname,service' },
            },
          }
        : {}),
    },
  };
}
