import type { IncomingMessage, ServerResponse } from 'node:http';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Options } from 'pino-http';
import {
  loggerParams,
  REDACTED_PATHS,
  REDACTION_CENSOR,
  requestIdOf,
  requestLogLevel,
} from './logger-params';

function pinoOptionsOf(params: ReturnType<typeof loggerParams>): Options {
  return params.pinoHttp as Options;
}

/** A pino logger with the service's redaction, writing JSON lines into memory. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const options = pinoOptionsOf(loggerParams({ logLevel: 'info', logFormat: 'json' }, 'payment-intake'));
  const logger = pino({ level: 'info', base: options.base, redact: options.redact }, stream);
  return { logger, lines };
}

describe(loggerParams.name, () => {
  it('logs JSON at the configured level with the service on every line', () => {
    const options = pinoOptionsOf(loggerParams({ logLevel: 'warn', logFormat: 'json' }, 'settlement'));
    expect(options.level).toBe('warn');
    expect(options.base).toMatchObject({ service: 'settlement' });
    expect(options.transport).toBeUndefined();
  });

  it('uses pino-pretty when LOG_FORMAT=pretty', () => {
    const options = pinoOptionsOf(loggerParams({ logLevel: 'info', logFormat: 'pretty' }, 'invoice'));
    expect(options.transport).toMatchObject({ target: 'pino-pretty' });
  });

  it('redacts account numbers, card numbers and passwords at any usual depth, not routing numbers', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        accountNumber: '000123456789',
        payment: {
          method: {
            routingNumber: '011000015',
            accountNumber: '000123456789',
            accountNumberConfirmation: '000123456789',
          },
        },
        command: { data: { method: { accountNumber: '000123456789' } } },
        cardNumber: '4111111111111111',
        user: { password: 'hunter2' },
      },
      'payment submitted',
    );
    const line = JSON.stringify(lines[0]);
    expect(line).not.toMatch(/000123456789|4111111111111111|hunter2/);
    expect(line).toContain('011000015');
    expect(lines[0]).toMatchObject({
      service: 'payment-intake',
      accountNumber: REDACTION_CENSOR,
      payment: { method: { accountNumber: REDACTION_CENSOR, routingNumber: '011000015' } },
    });
  });

  it('redacts the authorization header', () => {
    const { logger, lines } = capture();
    logger.info({ req: { headers: { authorization: 'Bearer abc.def.ghi', host: 'x' } } }, 'request');
    expect(lines[0]).toMatchObject({ req: { headers: { authorization: REDACTION_CENSOR, host: 'x' } } });
    expect(REDACTED_PATHS).toContain('req.headers.authorization');
  });

  it('logs a request by id, method and url only', () => {
    const serializers = pinoOptionsOf(
      loggerParams({ logLevel: 'info', logFormat: 'json' }, 'invoice'),
    ).serializers;
    expect(
      serializers?.req({
        id: 'r1',
        method: 'POST',
        url: '/v1/payments',
        headers: { authorization: 'Bearer x' },
      }),
    ).toEqual({ id: 'r1', method: 'POST', url: '/v1/payments' });
  });
});

describe(requestIdOf.name, () => {
  function request(headers: Record<string, string>): IncomingMessage {
    return { headers } as unknown as IncomingMessage;
  }
  function response() {
    const headers: Record<string, string> = {};
    return {
      headers,
      response: {
        headersSent: false,
        setHeader: (name: string, value: string) => (headers[name] = value),
      } as unknown as ServerResponse,
    };
  }

  it('honours X-Request-Id, then X-Correlation-Id, and echoes it', () => {
    const echo = response();
    expect(
      requestIdOf(request({ 'x-request-id': 'req-1', 'x-correlation-id': 'corr-1' }), echo.response),
    ).toBe('req-1');
    expect(echo.headers['X-Request-Id']).toBe('req-1');
    expect(requestIdOf(request({ 'x-correlation-id': 'corr-1' }))).toBe('corr-1');
  });

  it.each([
    ['none', {}],
    ['a forged log line', { 'x-request-id': 'id\n{"level":60}' }],
    ['an overlong id', { 'x-request-id': 'x'.repeat(500) }],
  ])('makes up a UUID for %s', (_case, headers) => {
    expect(requestIdOf(request(headers))).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe(requestLogLevel.name, () => {
  const failed = new Error('failed with status code 500');
  it.each([
    [200, undefined, 'info'],
    [404, undefined, 'info'],
    [500, failed, 'error'],
    [502, undefined, 'error'],
    [503, new Error('failed with status code 503'), 'warn'],
    [201, failed, 'error'],
  ])('%i (error: %p) → %s', (status, error, level) => {
    expect(requestLogLevel(status, error)).toBe(level);
  });

  it('is the level pino-http uses', () => {
    const options = pinoOptionsOf(loggerParams({ logLevel: 'info', logFormat: 'json' }, 'invoice'));
    const level = options.customLogLevel as (
      request: IncomingMessage,
      response: ServerResponse,
      error?: Error,
    ) => string;
    expect(level({} as IncomingMessage, { statusCode: 503 } as ServerResponse, failed)).toBe('warn');
    expect(level({} as IncomingMessage, { statusCode: 500 } as ServerResponse, failed)).toBe('error');
  });
});
