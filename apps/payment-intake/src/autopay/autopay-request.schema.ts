import { z } from 'zod';
import { businessDateSchema } from '@remit/contracts';
import { MAX_DAYS_BEFORE_DUE } from './autopay-dates';

/** PUT /v1/customers/{id}/autopay. */
export const enrolAutopaySchema = z.object({
  paymentMethodId: z.string().min(1),
  daysBeforeDue: z
    .number()
    .int('a whole number of business days')
    .min(0)
    .max(MAX_DAYS_BEFORE_DUE, `at most ${MAX_DAYS_BEFORE_DUE} business days`)
    .default(0),
});

/** POST /v1/autopay/runs: every enrolled customer, or only `customerId` (ops re-running one customer). */
export const autopayRunSchema = z.object({
  runDate: businessDateSchema,
  customerId: z.string().min(1).optional(),
});
