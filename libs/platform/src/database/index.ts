export * from './data-source-options';
export * from './statement-recorder';
