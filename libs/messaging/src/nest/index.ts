export * from './tokens';
export * from './nest-logger';
export * from './consumer-host';
export * from './messaging-purge.scheduler';
export * from './messaging.module';
