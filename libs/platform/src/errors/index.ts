export * from './app-error';
export * from './error-response';
export * from './error-envelope.filter';
export * from './zod-validation';
