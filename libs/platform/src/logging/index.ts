export * from './logger-params';
