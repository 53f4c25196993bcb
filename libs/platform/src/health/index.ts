export * from './health.checker';
export * from './health.controller';
