import type { SchemaObject } from '@nestjs/swagger';
import { z } from 'zod';
import { errorBodySchema, paymentViewSchema } from '@remit/contracts';
import { enrolAutopaySchema } from '../autopay/autopay-request.schema';
import { savePaymentMethodSchema } from '../payment-methods/payment-method-request.schema';
import { submitPaymentSchema } from '../payments/payment-request.schema';

/**
 * OpenAPI (3.0) schema objects generated from the zod schemas that validate the requests and
 * describe the responses, so the documentation at /docs cannot drift from what the API accepts.
 * Refinements (matching confirmation, ABA check digit) are rules zod cannot express as a schema;
 * the error examples show them.
 */
export function openApiSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): SchemaObject {
  return z.toJSONSchema(schema, { target: 'openapi-3.0', unrepresentable: 'any', io }) as SchemaObject;
}

export const paymentMethodViewSchema = z.object({
  paymentMethodId: z.string().uuid(),
  routingNumber: z.string().regex(/^\d{9}$/),
  last4: z.string().regex(/^\d{4}$/),
  accountHolderName: z.string().nullable(),
  status: z.enum(['active', 'disabled']),
  createdAt: z.string().datetime(),
  disabledAt: z.string().datetime().optional(),
  disabledReason: z.string().optional(),
});

export const autopayViewSchema = z.object({
  customerId: z.string(),
  paymentMethodId: z.string().uuid(),
  last4: z.string().nullable(),
  daysBeforeDue: z.number().int().nonnegative(),
  status: z.enum(['active', 'suspended', 'canceled']),
  suspendedReason: z.string().optional(),
  updatedAt: z.string().datetime(),
});

const errorEnvelopeSchema = z.object({ error: errorBodySchema });

export const Schemas = {
  submitPayment: openApiSchema(submitPaymentSchema),
  paymentView: openApiSchema(paymentViewSchema, 'output'),
  paymentViews: openApiSchema(z.array(paymentViewSchema), 'output'),
  savePaymentMethod: openApiSchema(savePaymentMethodSchema),
  paymentMethodView: openApiSchema(paymentMethodViewSchema, 'output'),
  paymentMethodViews: openApiSchema(z.array(paymentMethodViewSchema), 'output'),
  autopayRequest: openApiSchema(enrolAutopaySchema),
  autopayView: openApiSchema(autopayViewSchema, 'output'),
  error: openApiSchema(errorEnvelopeSchema, 'output'),
};

const CUSTOMER = 'acme-001';
const INVOICE = '7d0c1f7e-3f7a-4c55-9d55-3b5a3c0e8a11';
const PAYMENT = '1c9e8f52-7a49-4f0e-b0d4-0e2f5b8a6d21';
const METHOD = '5b1f3c8e-2d47-4a9b-8e61-9f0a7c3d2e14';

export const Examples = {
  submitPayment: {
    ach: {
      summary: 'One-time ACH, remembered and enrolled in autopay',
      value: {
        customerId: CUSTOMER,
        invoices: [{ invoiceId: INVOICE, amountCents: 34618 }],
        method: {
          type: 'ach',
          routingNumber: '021000021',
          accountNumber: '987654321',
          accountNumberConfirmation: '987654321',
          accountHolderName: 'Ashley Palacol',
          remember: true,
          autopay: true,
        },
      },
    },
    saved: {
      summary: 'A saved bank account',
      value: {
        customerId: CUSTOMER,
        invoices: [{ invoiceId: INVOICE }],
        method: { type: 'saved', paymentMethodId: METHOD },
      },
    },
    card: {
      summary: "A card, by the processor's token (never a card number)",
      value: {
        customerId: CUSTOMER,
        invoices: [{ invoiceId: INVOICE }],
        method: { type: 'card', cardToken: 'tok_1NXk2e' },
      },
    },
    check: {
      summary: 'A check by mail (declared; posts on receipt)',
      value: { customerId: CUSTOMER, invoices: [{ invoiceId: INVOICE }], method: { type: 'check' } },
    },
    wire: {
      summary: 'A wire transfer (declared; posts on receipt)',
      value: { customerId: CUSTOMER, invoices: [{ invoiceId: INVOICE }], method: { type: 'wire' } },
    },
  },
  paymentView: {
    paymentId: PAYMENT,
    status: 'submitted',
    customerId: CUSTOMER,
    amountCents: 34618,
    currency: 'USD',
    method: { type: 'ach', last4: '4321', paymentMethodId: METHOD },
    invoices: [{ invoiceId: INVOICE, amountCents: 34618 }],
    submittedAt: '2026-11-23T15:00:00.000Z',
    businessDate: '2026-11-23',
    expectedPostingDate: '2026-11-25',
    notice:
      'Please allow up to 2 business days for payments to be reflected in your account. Any returned payment is subject to a Return Fee of $25.00.',
  },
  validationError: {
    error: {
      code: 'VALIDATION_FAILED',
      message: 'the request is not valid',
      details: [
        {
          field: 'method.accountNumberConfirmation',
          code: 'custom',
          message: 'does not match the account number',
        },
      ],
    },
  },
  methodDisabled: {
    error: {
      code: 'PAYMENT.METHOD_DISABLED',
      message: 'payment method ending 4321 is disabled: R03: No account/unable to locate account',
      details: [
        {
          field: 'method.paymentMethodId',
          code: 'disabled',
          message: 'R03: No account/unable to locate account',
        },
      ],
    },
  },
  inFlight: {
    error: {
      code: 'IDEMPOTENCY.REQUEST_IN_FLIGHT',
      message: 'a request with this Idempotency-Key is still being processed',
      details: [],
    },
  },
  notCancelable: {
    error: {
      code: 'PAYMENT.NOT_CANCELABLE',
      message: `payment ${PAYMENT} can no longer be canceled: the bank file of 2026-11-23 was written at its 17:00 cutoff`,
      details: [],
    },
  },
  savePaymentMethod: {
    routingNumber: '021000021',
    accountNumber: '987654321',
    accountNumberConfirmation: '987654321',
    accountHolderName: 'Ashley Palacol',
  },
  paymentMethodView: {
    paymentMethodId: METHOD,
    routingNumber: '021000021',
    last4: '4321',
    accountHolderName: 'Ashley Palacol',
    status: 'active',
    createdAt: '2026-11-23T15:00:00.000Z',
  },
  autopayRequest: { paymentMethodId: METHOD, daysBeforeDue: 2 },
  autopayView: {
    customerId: CUSTOMER,
    paymentMethodId: METHOD,
    last4: '6789',
    daysBeforeDue: 2,
    status: 'active',
    updatedAt: '2026-11-23T15:00:00.000Z',
  },
};
