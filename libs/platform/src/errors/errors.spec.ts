import {
  BadRequestException,
  HttpException,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
  type ArgumentMetadata,
  type ArgumentsHost,
} from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '@remit/money';
import { AppError } from './app-error';
import { ErrorEnvelopeFilter } from './error-envelope.filter';
import { bodyParserErrorToAppError, codeForStatus, toErrorResponse } from './error-response';
import { apiMessage, parseBody, parseWith, ZodValidationPipe, zodIssuesToDetails } from './zod-validation';

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** An http-errors error as body-parser raises it. */
function bodyParserError(status: number, type: string, message: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, type, expose: true });
}

describe(AppError.name, () => {
  it.each([
    ['validation', AppError.validation([{ field: 'a', code: 'c', message: 'm' }]), 400, 'VALIDATION_FAILED'],
    ['unauthorized', AppError.unauthorized(), 401, 'UNAUTHENTICATED'],
    ['forbidden', AppError.forbidden('AUTH.CUSTOMER_FORBIDDEN', 'no'), 403, 'AUTH.CUSTOMER_FORBIDDEN'],
    ['forbidden by default', AppError.forbidden(), 403, 'FORBIDDEN'],
    ['notFound', AppError.notFound('PAYMENT.NOT_FOUND', 'no'), 404, 'PAYMENT.NOT_FOUND'],
    ['conflict', AppError.conflict('IDEMPOTENCY.IN_FLIGHT', 'busy'), 409, 'IDEMPOTENCY.IN_FLIGHT'],
    ['unprocessable', AppError.unprocessable('PAYMENT.X', 'no'), 422, 'PAYMENT.X'],
  ])('%s → %i %s', (_helper, error, status, code) => {
    expect(error).toBeInstanceOf(Error);
    expect(error.status).toBe(status);
    expect(error.code).toBe(code);
    expect(Array.isArray(error.details)).toBe(true);
  });
});

describe(toErrorResponse.name, () => {
  it('renders an AppError exactly as the public envelope', () => {
    const error = AppError.unprocessable(
      'PAYMENT.ROUTING_NUMBER_INVALID',
      'the routing number is not valid',
      [{ field: 'method.routingNumber', code: 'PAYMENT.ROUTING_NUMBER_INVALID', message: 'bad check digit' }],
    );
    expect(toErrorResponse(error)).toEqual({
      status: 422,
      unexpected: false,
      body: {
        error: {
          code: 'PAYMENT.ROUTING_NUMBER_INVALID',
          message: 'the routing number is not valid',
          details: [
            {
              field: 'method.routingNumber',
              code: 'PAYMENT.ROUTING_NUMBER_INVALID',
              message: 'bad check digit',
            },
          ],
        },
      },
    });
    expect(Object.keys(toErrorResponse(error).body)).toEqual(['error']);
    expect(Object.keys(toErrorResponse(error).body.error)).toEqual(['code', 'message', 'details']);
  });

  it('maps a domain error with a field to 422 and one detail', () => {
    const error = new DomainError(
      'ALLOCATION.EXCEEDS_AMOUNT_DUE',
      'more than is due',
      'invoices.1.amountCents',
    );
    expect(toErrorResponse(error)).toEqual({
      status: 422,
      unexpected: false,
      body: {
        error: {
          code: 'ALLOCATION.EXCEEDS_AMOUNT_DUE',
          message: 'more than is due',
          details: [
            {
              field: 'invoices.1.amountCents',
              code: 'ALLOCATION.EXCEEDS_AMOUNT_DUE',
              message: 'more than is due',
            },
          ],
        },
      },
    });
  });

  it('maps any Error with a dotted code (no field) to 422 and no details', () => {
    const error = Object.assign(new Error('closed'), { code: 'CALENDAR.DAY_CLOSED' });
    expect(toErrorResponse(error)).toMatchObject({
      status: 422,
      body: { error: { code: 'CALENDAR.DAY_CLOSED', message: 'closed', details: [] } },
    });
  });

  it.each([
    ['a PostgreSQL unique violation', Object.assign(new Error('duplicate key'), { code: '23505' })],
    ['a Node system error that is no outage', Object.assign(new Error('open failed'), { code: 'ENOENT' })],
    ['a lowercase code', Object.assign(new Error('x'), { code: 'payment.bad' })],
    ['a plain Error', new Error('secret internals: password=hunter2')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
    ['a 5xx http-error', Object.assign(new Error('db down'), { status: 503, expose: false })],
  ])('hides %s behind 500 INTERNAL', (_case, error) => {
    expect(toErrorResponse(error)).toEqual({
      status: 500,
      unexpected: true,
      body: { error: { code: 'INTERNAL', message: 'an unexpected error occurred', details: [] } },
    });
  });

  it.each([
    [
      'PostgreSQL refusing connections',
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:5432 (user remit)'), { code: 'ECONNREFUSED' }),
      5,
    ],
    [
      'a lock timeout',
      Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }),
      2,
    ],
    [
      'a deadlock',
      Object.assign(new Error('deadlock detected on "intake"."payments"'), { code: '40P01' }),
      1,
    ],
    ['Redis down', new Error("Stream isn't writeable and enableOfflineQueue options is false"), 5],
  ])(
    'answers %s with 503 SERVICE_UNAVAILABLE and a Retry-After, never the driver message',
    (_case, error, retryAfter) => {
      const response = toErrorResponse(error);
      expect(response).toEqual({
        status: 503,
        unexpected: false,
        outage: expect.objectContaining({ retryAfterSeconds: retryAfter }),
        body: {
          error: { code: 'SERVICE_UNAVAILABLE', message: expect.stringMatching(/retry/i), details: [] },
        },
      });
      expect(response.body.error.message).not.toContain(error.message);
      expect(JSON.stringify(response.body)).not.toMatch(/10\.0\.0\.5|intake|lock timeout|enableOfflineQueue/);
    },
  );

  it('keeps a deliberate AppError as it is, even with an outage as its cause', () => {
    const error = new AppError(409, 'IDEMPOTENCY.REQUEST_IN_FLIGHT', 'busy', [], {
      cause: Object.assign(new Error('x'), { code: '55P03' }),
    });
    expect(toErrorResponse(error)).toMatchObject({
      status: 409,
      body: { error: { code: 'IDEMPOTENCY.REQUEST_IN_FLIGHT' } },
    });
    expect(toErrorResponse(error).outage).toBeUndefined();
  });

  it.each([
    ['unknown route', new NotFoundException('Cannot GET /nope'), 404, 'NOT_FOUND', 'Cannot GET /nope'],
    [
      'bad request with messages',
      new BadRequestException(['a is bad', 'b is bad']),
      400,
      'BAD_REQUEST',
      'a is bad; b is bad',
    ],
    ['custom status', new HttpException('slow down', 429), 429, 'TOO_MANY_REQUESTS', 'slow down'],
    ['deliberate 503', new ServiceUnavailableException('draining'), 503, 'SERVICE_UNAVAILABLE', 'draining'],
  ])('maps a Nest HttpException (%s)', (_case, error, status, code, message) => {
    expect(toErrorResponse(error)).toMatchObject({ status, body: { error: { code, message, details: [] } } });
  });

  it.each([
    ['bad JSON', bodyParserError(400, 'entity.parse.failed', 'Unexpected token'), 400, 'MALFORMED_JSON'],
    [
      'too large',
      bodyParserError(413, 'entity.too.large', 'request entity too large'),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'bad charset',
      bodyParserError(415, 'charset.unsupported', 'unsupported charset'),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'other 4xx http-error',
      Object.assign(new Error('range'), { status: 416, expose: true }),
      416,
      'BAD_REQUEST',
    ],
  ])('maps body-parser errors (%s)', (_case, error, status, code) => {
    expect(toErrorResponse(error)).toMatchObject({
      status,
      unexpected: false,
      body: { error: { code, details: [] } },
    });
  });

  it('does not echo the body that failed to parse', () => {
    const error = bodyParserError(
      400,
      'entity.parse.failed',
      'Unexpected token in "{"accountNumber":"12345678',
    );
    expect(JSON.stringify(toErrorResponse(error))).not.toContain('12345678');
  });

  it("hides the body quoted by Nest's own mapping of bad JSON", () => {
    const error = new BadRequestException(
      `Unexpected token 'a', "{"accountNumber":"12345678" is not valid JSON`,
    );
    expect(toErrorResponse(error)).toMatchObject({
      status: 400,
      body: { error: { code: 'MALFORMED_JSON' } },
    });
    expect(JSON.stringify(toErrorResponse(error))).not.toContain('12345678');
  });

  it('names unknown statuses by class', () => {
    expect(codeForStatus(418)).toBe('BAD_REQUEST');
    expect(codeForStatus(599)).toBe('INTERNAL');
  });
});

describe(ErrorEnvelopeFilter.name, () => {
  function respond(exception: unknown) {
    const headers: Record<string, string> = {};
    const sent: { status?: number; body?: unknown } = {};
    const response = {
      headersSent: false,
      setHeader: (name: string, value: string) => (headers[name] = value),
      status(status: number) {
        sent.status = status;
        return this;
      },
      json: (body: unknown) => (sent.body = body),
    };
    const host = {
      getType: () => 'http',
      switchToHttp: () => ({ getResponse: () => response }),
    } as unknown as ArgumentsHost;
    new ErrorEnvelopeFilter().catch(exception, host);
    return { headers, ...sent };
  }

  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });

  afterEach(() => jest.restoreAllMocks());

  it('answers an outage 503 with Retry-After, and logs it as a warning without the stack', () => {
    const reply = respond(
      Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }),
    );
    expect(reply).toMatchObject({ status: 503, headers: { 'Retry-After': '2' } });
    expect(reply.body).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
    expect(Logger.prototype.warn).toHaveBeenCalledWith(expect.stringContaining('55P03 lock_not_available'));
    expect(Logger.prototype.error).not.toHaveBeenCalled();
  });

  it('asks for a bearer token on 401 and sends no Retry-After elsewhere', () => {
    expect(respond(AppError.unauthorized())).toMatchObject({
      status: 401,
      headers: { 'WWW-Authenticate': 'Bearer' },
    });
    expect(respond(new Error('bug')).headers).toEqual({});
    expect(Logger.prototype.error).toHaveBeenCalledTimes(1);
  });

  it('leaves errors outside HTTP to their caller', () => {
    const host = { getType: () => 'rpc' } as unknown as ArgumentsHost;
    const error = new Error('consumer failure');
    expect(() => new ErrorEnvelopeFilter().catch(error, host)).toThrow(error);
  });
});

describe(bodyParserErrorToAppError.name, () => {
  it('turns body-parser errors into AppErrors and leaves others alone', () => {
    const parseFailure = bodyParserError(400, 'entity.parse.failed', 'Unexpected token');
    expect(bodyParserErrorToAppError(parseFailure)).toMatchObject({
      status: 400,
      code: 'MALFORMED_JSON',
      cause: parseFailure,
    });
    expect(bodyParserErrorToAppError(new Error('x'))).toBeUndefined();
    expect(bodyParserErrorToAppError('x')).toBeUndefined();
  });
});

describe(zodIssuesToDetails.name, () => {
  const payment = z
    .object({
      customerId: z.string().min(1),
      invoices: z
        .array(z.object({ invoiceId: z.string(), amountCents: z.number().int().positive().optional() }))
        .min(1),
      method: z.union([
        z.object({ type: z.literal('ach'), routingNumber: z.string().regex(/^\d{9}$/, 'must be 9 digits') }),
        z.object({ type: z.literal('card'), cardToken: z.string() }),
      ]),
    })
    .strict();

  function detailsOf(input: unknown) {
    const result = payment.safeParse(input, { error: apiMessage });
    if (result.success) throw new Error('expected a failure');
    return zodIssuesToDetails(result.error.issues);
  }

  it('names fields by dotted path with the zod issue code', () => {
    expect(
      detailsOf({
        customerId: '',
        invoices: [{ invoiceId: 'i1', amountCents: 1.5 }],
        method: { type: 'card', cardToken: 't' },
      }),
    ).toEqual([
      { field: 'customerId', code: 'too_small', message: expect.any(String) },
      { field: 'invoices.0.amountCents', code: 'invalid_type', message: expect.stringMatching(/integer/) },
    ]);
  });

  it('reports missing fields', () => {
    expect(detailsOf({ invoices: [], method: { type: 'card', cardToken: 't' } })).toEqual([
      { field: 'customerId', code: 'invalid_type', message: 'Required' },
      { field: 'invoices', code: 'too_small', message: expect.any(String) },
    ]);
  });

  it('names each unknown field of a strict object', () => {
    expect(
      detailsOf({
        customerId: 'c',
        invoices: [{ invoiceId: 'i' }],
        method: { type: 'card', cardToken: 't' },
        cardNumber: 'x',
      }),
    ).toEqual([{ field: 'cardNumber', code: 'unrecognized_keys', message: 'unknown field "cardNumber"' }]);
  });

  it('explains the union branch the input meant', () => {
    expect(
      detailsOf({
        customerId: 'c',
        invoices: [{ invoiceId: 'i' }],
        method: { type: 'ach', routingNumber: '12' },
      }),
    ).toEqual([{ field: 'method.routingNumber', code: 'invalid_format', message: 'must be 9 digits' }]);
  });

  it('keeps the union issue when no branch fits', () => {
    expect(
      detailsOf({ customerId: 'c', invoices: [{ invoiceId: 'i' }], method: { type: 'bitcoin' } }),
    ).toEqual([{ field: 'method', code: 'invalid_union', message: expect.any(String) }]);
  });
});

describe(parseWith.name, () => {
  it('returns the parsed value', () => {
    expect(parseWith(z.object({ n: z.coerce.number() }), { n: '5' })).toEqual({ n: 5 });
  });

  it('throws 400 VALIDATION_FAILED, prefixing a parameter name', () => {
    const error = caught(() => parseWith(z.enum(['open', 'paid', 'all']), 'closed', 'status'));
    expect(error).toBeInstanceOf(AppError);
    expect(error).toMatchObject({
      status: 400,
      code: 'VALIDATION_FAILED',
      details: [{ field: 'status', code: 'invalid_value' }],
    });
  });

  it('validates a missing body as {} so that required fields are named', () => {
    const error = caught(() => parseBody(z.object({ now: z.string() }), undefined));
    expect(error).toMatchObject({ details: [{ field: 'now', code: 'invalid_type', message: 'Required' }] });
  });
});

describe(ZodValidationPipe.name, () => {
  const body: ArgumentMetadata = { type: 'body' };
  const statusQuery: ArgumentMetadata = { type: 'query', data: 'status' };

  it('passes the parsed value on', () => {
    const pipe = new ZodValidationPipe(z.object({ asOf: z.string() }).strict());
    expect(pipe.transform({ asOf: '2026-11-23' }, body)).toEqual({ asOf: '2026-11-23' });
  });

  it('names the whole-body field and the query parameter', () => {
    expect(
      caught(() => new ZodValidationPipe(z.object({ asOf: z.string() })).transform(undefined, body)),
    ).toMatchObject({ details: [{ field: 'asOf' }] });
    expect(caught(() => new ZodValidationPipe(z.enum(['open'])).transform('x', statusQuery))).toMatchObject({
      status: 400,
      details: [{ field: 'status' }],
    });
  });
});
