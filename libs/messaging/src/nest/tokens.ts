/** Injection token of the kafkajs `Kafka` client: `@Inject(KAFKA) kafka: Kafka`. */
export const KAFKA = 'KAFKA';
export const MESSAGING_OPTIONS = 'MESSAGING_OPTIONS';
