export * from './topics';
export * from './events';
export * from './cloud-event';
export * from './commands';
export * from './asyncapi';
