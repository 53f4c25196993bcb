import topicsFile from './topics.json';

/** Kafka topic names (docs/architecture.md, Kafka). The JSON file is shared with scripts/infra.mjs. */
export const Topics = {
  paymentsCommands: 'payments.commands.v1',
  paymentsCommandResults: 'payments.command-results.v1',
  intakePayments: 'intake.payments.v1',
  settlementPayments: 'settlement.payments.v1',
  settlementReports: 'settlement.reports.v1',
  invoiceEvents: 'invoice.events.v1',
  notificationEvents: 'notification.events.v1',
} as const satisfies { [K in keyof typeof topicsFile.topics]: string };

export type TopicName = (typeof Topics)[keyof typeof Topics];

export const ALL_TOPICS: readonly TopicName[] = Object.values(Topics);

/** `<topic>.dlq`: where a consumer parks a message it cannot process (docs/architecture.md, Kafka). */
export function dlqTopicOf(topic: string): string {
  return `${topic}.dlq`;
}
