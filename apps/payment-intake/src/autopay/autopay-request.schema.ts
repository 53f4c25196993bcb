import { z } from 'zod';

/** `PUT /v1/customers/{customerId}/autopay`: the saved method autopay pays with. */
export const autopayRequestSchema = z.object({ paymentMethodId: z.string().uuid('a payment method id') });
