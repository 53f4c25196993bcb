export * from './app-error';
export * from './error-response';
export * from './error-envelope.filter';
export * from './infrastructure-error';
export * from './zod-validation';
