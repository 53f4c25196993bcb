import { z } from 'zod';
import { ContractViolation } from './cloud-event';
import { paymentMethodTypes } from './events';

/**
 * Portal commands on `payments.commands.v1` (docs/architecture.md, Kafka): CloudEvents 1.0 in
 * structured mode whose `type` is the command (imperative, CONTRIBUTING.md "Names"). The command id
 * is its idempotency key; the portal user's bearer token travels in the Kafka header
 * `authorization`, never in the value. payment-intake answers each on `payments.command-results.v1`
 * (`payment-command.accepted` / `payment-command.rejected`).
 */
export const commandTypes = ['SubmitPayment', 'CancelPayment'] as const;
export type CommandType = (typeof commandTypes)[number];

/** The Kafka header that carries `Bearer <JWT>`, verified exactly like HTTP's `Authorization`. */
export const COMMAND_AUTHORIZATION_HEADER = 'authorization';

/**
 * Command payloads. `SubmitPayment` is the body of `POST /v1/payments` as it is: intake validates it
 * with the same rules as HTTP (and answers with the same field-named errors), so only its outline is
 * fixed here.
 */
export const commandDataSchemas = {
  SubmitPayment: z.looseObject({
    customerId: z.string(),
    invoices: z.array(z.looseObject({ invoiceId: z.string(), amountCents: z.number().optional() })),
    method: z.looseObject({ type: z.enum(paymentMethodTypes) }),
  }),
  CancelPayment: z.object({ paymentId: z.string().min(1) }),
} as const;

export type CommandData<T extends CommandType> = z.infer<(typeof commandDataSchemas)[T]>;

export interface Command<T extends CommandType = CommandType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  time?: string;
  customerid?: string;
  correlationid?: string;
  /** Raw: validated by the use case that runs it, like an HTTP body. */
  data: unknown;
}

const commandEnvelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(255),
  source: z.string().min(1),
  type: z.enum(commandTypes),
  time: z.string().datetime({ offset: true }).optional(),
  customerid: z.string().min(1).optional(),
  correlationid: z.string().min(1).optional(),
  datacontenttype: z.literal('application/json').optional(),
  data: z.unknown(),
});

/** What can be read of a message that is not a valid command: enough to answer it, if anything. */
export function peekCommand(json: unknown): { id?: string; type?: string; customerId?: string } {
  if (typeof json !== 'object' || json === null) return {};
  const record = json as Record<string, unknown>;
  const data = (typeof record.data === 'object' && record.data !== null ? record.data : {}) as Record<
    string,
    unknown
  >;
  const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);
  const customerId = text(data.customerId) ?? text(record.customerid);
  return {
    ...(text(record.id) ? { id: text(record.id) } : {}),
    ...(text(record.type) ? { type: text(record.type) } : {}),
    ...(customerId ? { customerId } : {}),
  };
}

/** Parses a `payments.commands.v1` message value; anything else is a `ContractViolation`. */
export function parseCommand(json: unknown): Command {
  const envelope = commandEnvelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw new ContractViolation(
      'message is not a payments command',
      envelope.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    );
  }
  return envelope.data;
}
