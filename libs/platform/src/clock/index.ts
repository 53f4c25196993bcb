export * from './clock';
export * from './platform-clock';
export * from './test-clock.controller';
