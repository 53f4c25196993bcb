/** The four Remit services (docs/architecture.md, "Services"). */
export const SERVICE_NAMES = ['invoice', 'payment-intake', 'settlement', 'notification'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Nest injection token of the running service's name (`ServiceName`). */
export const SERVICE_NAME = Symbol('SERVICE_NAME');
