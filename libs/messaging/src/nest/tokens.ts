/** Injection token of the kafkajs `Kafka` client: `@Inject(KAFKA) kafka: Kafka`. */
export const KAFKA = 'KAFKA';
export const MESSAGING_OPTIONS = 'MESSAGING_OPTIONS';
/** Injection token of the module's `MessagingMetrics`, or null when the options give no registry. */
export const MESSAGING_METRICS = 'MESSAGING_METRICS';
