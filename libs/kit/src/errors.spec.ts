import { NotFoundException } from '@nestjs/common';
import { z } from 'zod';
import { DomainError } from '@remit/money';
import { AppError, parseWith, toErrorResponse } from './errors';

describe(toErrorResponse.name, () => {
  it('renders an AppError as the envelope with its status', () => {
    const error = AppError.unprocessable('PAYMENT.X', 'nope', [{ field: 'a', code: 'b', message: 'c' }]);
    expect(toErrorResponse(error)).toEqual({
      status: 422,
      body: {
        error: { code: 'PAYMENT.X', message: 'nope', details: [{ field: 'a', code: 'b', message: 'c' }] },
      },
    });
  });

  it('renders a domain error as 422 with its field', () => {
    const response = toErrorResponse(
      new DomainError('ALLOCATION.EXCEEDS_AMOUNT_DUE', 'too much', 'explicit[0].amountCents'),
    );
    expect(response.status).toBe(422);
    expect(response.body.error.details).toEqual([
      { field: 'explicit[0].amountCents', code: 'ALLOCATION.EXCEEDS_AMOUNT_DUE', message: 'too much' },
    ]);
  });

  it('renders Nest HTTP exceptions and body-parser errors', () => {
    expect(toErrorResponse(new NotFoundException('Cannot GET /x'))).toMatchObject({
      status: 404,
      body: { error: { code: 'NOT_FOUND' } },
    });
    const parseError = Object.assign(new Error('Unexpected token'), {
      status: 400,
      type: 'entity.parse.failed',
    });
    expect(toErrorResponse(parseError)).toMatchObject({
      status: 400,
      body: { error: { code: 'MALFORMED_JSON' } },
    });
  });

  it('hides the message of unexpected errors', () => {
    expect(toErrorResponse(new Error('password=secret'))).toEqual({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'an unexpected error occurred', details: [] } },
    });
  });
});

describe(parseWith.name, () => {
  const schema = z.object({ invoices: z.array(z.object({ amountCents: z.number().int() })) });

  it('returns parsed data', () => {
    expect(parseWith(schema, { invoices: [{ amountCents: 1 }] })).toEqual({ invoices: [{ amountCents: 1 }] });
  });

  it('names each bad field by its dotted path', () => {
    try {
      parseWith(schema, { invoices: [{ amountCents: 1.5 }] });
      throw new Error('expected a validation error');
    } catch (error) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(400);
      expect((error as AppError).details[0]).toMatchObject({
        field: 'invoices.0.amountCents',
        code: 'invalid_type',
      });
    }
  });

  it('prefixes fields of a query parameter', () => {
    expect(() => parseWith(z.enum(['a']), 'b', 'status')).toThrow(AppError);
  });
});
