export * from './health-details';
export * from './health.checker';
export * from './health.controller';
