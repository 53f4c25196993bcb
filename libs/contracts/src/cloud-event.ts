import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { eventDataSchemas, isEventType, type EventData, type EventType } from './events';

/** CloudEvents 1.0, structured JSON mode, with Remit's extension attributes (docs/architecture.md, Kafka). */
export interface CloudEvent<T extends EventType = EventType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  time: string;
  subject?: string;
  customerid: string;
  correlationid: string;
  datacontenttype: 'application/json';
  data: EventData<T>;
}

export type AnyCloudEvent = { [T in EventType]: CloudEvent<T> }[EventType];

const envelopeSchema = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.string().datetime({ offset: true }),
  subject: z.string().optional(),
  customerid: z.string().min(1),
  correlationid: z.string().min(1),
  datacontenttype: z.literal('application/json').optional(),
  data: z.unknown(),
});

/** Raised when a message is not a valid Remit CloudEvent; consumers dead-letter it without retrying. */
export class ContractViolation extends Error {
  readonly code = 'CONTRACT.INVALID_EVENT';
  constructor(
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ContractViolation';
  }
}

export interface NewEvent<T extends EventType> {
  type: T;
  source: string;
  customerId: string;
  data: EventData<T>;
  subject?: string;
  correlationId?: string;
  id?: string;
  time?: Date;
}

/** Builds a validated envelope; invalid data throws here, at the producer, not at every consumer. */
export function createCloudEvent<T extends EventType>(event: NewEvent<T>): CloudEvent<T> {
  const id = event.id ?? randomUUID();
  const data = eventDataSchemas[event.type].parse(event.data) as EventData<T>;
  return {
    specversion: '1.0',
    id,
    source: event.source,
    type: event.type,
    time: (event.time ?? new Date()).toISOString(),
    subject: event.subject,
    customerid: event.customerId,
    correlationid: event.correlationId ?? id,
    datacontenttype: 'application/json',
    data,
  };
}

function issuesOf(error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

/** Parses a Kafka message value (bytes or text) into a typed, validated event. */
export function parseCloudEvent(raw: Buffer | string | null | undefined): AnyCloudEvent {
  if (raw === null || raw === undefined) throw new ContractViolation('message has no value');
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === 'string' ? raw : raw.toString('utf8'));
  } catch {
    // JSON.parse's message quotes the payload, which may carry what must never be logged.
    throw new ContractViolation('message value is not JSON');
  }
  const envelope = envelopeSchema.safeParse(json);
  if (!envelope.success) {
    throw new ContractViolation('message is not a CloudEvents 1.0 envelope', issuesOf(envelope.error));
  }
  const type = envelope.data.type;
  if (!isEventType(type)) throw new ContractViolation(`unknown event type "${type}"`);
  const data = eventDataSchemas[type].safeParse(envelope.data.data);
  if (!data.success) {
    throw new ContractViolation(`invalid data for ${type}`, issuesOf(data.error));
  }
  return {
    ...envelope.data,
    datacontenttype: 'application/json',
    type,
    data: data.data,
  } as AnyCloudEvent;
}
