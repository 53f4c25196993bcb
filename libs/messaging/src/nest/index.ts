export * from './tokens';
export * from './nest-logger';
export * from './kafka-consumer.decorator';
export * from './inbox-transport';
export * from './messaging-purge.scheduler';
export * from './messaging.module';
