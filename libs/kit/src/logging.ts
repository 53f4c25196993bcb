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
      autoLogging: { ignore: (request) => request.url === '/health' },
      ...(config.logFormat === 'pretty'
        ? { transport: { target: 'pino-pretty', options: { singleLine: true, colorize: true, ignore: 'pid,hostname,service' } } }
        : {}),
    },
  };
}
