import { z } from 'zod';
import { commandDataSchemas, commandTypes, COMMAND_AUTHORIZATION_HEADER } from './commands';
import { eventDataSchemas, topicOfEvent, EVENT_TYPES } from './events';
import { ALL_TOPICS, dlqTopicOf, Topics, type TopicName } from './topics';

/** Who publishes to each topic (docs/architecture.md, "Kafka"). */
const TOPIC_OWNERS: Record<TopicName, string> = {
  [Topics.paymentsCommands]: 'portal frontends (commands to payment-intake)',
  [Topics.paymentsCommandResults]: 'payment-intake (one result per command)',
  [Topics.intakePayments]: 'payment-intake',
  [Topics.settlementPayments]: 'settlement',
  [Topics.settlementReports]: 'settlement (for finance ops)',
  [Topics.invoiceEvents]: 'invoice',
  [Topics.notificationEvents]: 'notification',
};

function jsonSchemaOf(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-07',
    unrepresentable: 'any',
    io: 'output',
  }) as Record<string, unknown>;
  return rest;
}

/** The CloudEvents 1.0 structured-mode envelope (docs/architecture.md, "Kafka") around `data`. */
function envelope(type: string, data: Record<string, unknown>, command: boolean): Record<string, unknown> {
  const required = command
    ? ['specversion', 'id', 'source', 'type', 'data']
    : ['specversion', 'id', 'source', 'type', 'time', 'customerid', 'correlationid', 'data'];
  return {
    type: 'object',
    required,
    properties: {
      specversion: { type: 'string', const: '1.0' },
      id: {
        type: 'string',
        description: command
          ? 'the command id, which is its idempotency key'
          : 'the event id (consumers dedupe on it)',
      },
      source: { type: 'string', description: command ? 'the portal' : 'remit/<service>' },
      type: { type: 'string', const: type },
      time: { type: 'string', format: 'date-time' },
      subject: { type: 'string' },
      customerid: { type: 'string', description: 'the customer; also the Kafka message key' },
      correlationid: { type: 'string' },
      datacontenttype: { type: 'string', const: 'application/json' },
      data,
    },
  };
}

function messageName(type: string): string {
  return type.replace(/[^A-Za-z0-9]+(.)/g, (_match, letter: string) => letter.toUpperCase());
}

function channelName(topic: string): string {
  return messageName(topic.replace(/\.v\d+$/, ''));
}

/**
 * Remit's Kafka contract as an AsyncAPI 3.0 document, generated from this library (topics, event
 * types and their zod payload schemas, portal commands), so `docs/asyncapi.yaml` cannot drift from
 * what producers validate. `npm run docs:asyncapi` writes it; a test checks it is current and valid.
 */
export function asyncApiDocument(): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  const channels: Record<
    string,
    { address: string; description: string; messages: Record<string, unknown> }
  > = {};
  for (const topic of ALL_TOPICS) {
    channels[channelName(topic)] = {
      address: topic,
      description:
        topic === Topics.paymentsCommands
          ? `Published by ${TOPIC_OWNERS[topic]}; keyed by customer id. Every command gets a result on ${Topics.paymentsCommandResults}, a refusal included; a message that is not JSON or has no id cannot be answered and is logged and skipped (not dead-lettered, so its bearer token is copied nowhere).`
          : `Published by ${TOPIC_OWNERS[topic]}; keyed by customer id. Unprocessable messages go to ${dlqTopicOf(topic)}.`,
      messages: {},
    };
  }
  const bindings = {
    kafka: { key: { type: 'string', description: 'the customer id' }, bindingVersion: '0.5.0' },
  };
  for (const type of EVENT_TYPES) {
    const name = messageName(type);
    messages[name] = {
      name: type,
      title: type,
      contentType: 'application/cloudevents+json',
      payload: envelope(type, jsonSchemaOf(eventDataSchemas[type]), false),
      bindings,
    };
    channels[channelName(topicOfEvent[type])].messages[name] = { $ref: `#/components/messages/${name}` };
  }
  for (const type of commandTypes) {
    messages[type] = {
      name: type,
      title: type,
      contentType: 'application/cloudevents+json',
      summary:
        type === 'SubmitPayment'
          ? 'The body of POST /v1/payments; the command id is the idempotency key.'
          : 'Cancels a payment, as POST /v1/payments/{paymentId}/cancel.',
      headers: {
        type: 'object',
        required: [COMMAND_AUTHORIZATION_HEADER],
        properties: {
          [COMMAND_AUTHORIZATION_HEADER]: {
            type: 'string',
            description: "Bearer <JWT>: the portal user's token, verified exactly like HTTP",
          },
        },
      },
      payload: envelope(type, jsonSchemaOf(commandDataSchemas[type]), true),
      bindings,
    };
    channels[channelName(Topics.paymentsCommands)].messages[type] = { $ref: `#/components/messages/${type}` };
  }
  const operations: Record<string, unknown> = {};
  for (const [name, channel] of Object.entries(channels)) {
    operations[`publish${name.charAt(0).toUpperCase()}${name.slice(1)}`] = {
      action: 'send',
      channel: { $ref: `#/channels/${name}` },
      messages: Object.keys(channel.messages).map((message) => ({
        $ref: `#/channels/${name}/messages/${message}`,
      })),
    };
  }
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Remit Kafka contract',
      version: '1.0.0',
      description:
        'Topics, event types and portal commands of Remit, generated from libs/contracts (npm run docs:asyncapi). Values are CloudEvents 1.0 in structured JSON mode; delivery is at least once.',
    },
    defaultContentType: 'application/cloudevents+json',
    channels,
    operations,
    components: { messages },
  };
}
