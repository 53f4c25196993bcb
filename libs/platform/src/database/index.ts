export * from './data-source-options';
export * from './statement-recorder';
export * from './prepared-statements';
export * from './run-migrations';
