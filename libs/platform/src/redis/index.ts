export * from './redis';
export * from './job-schedulers';
