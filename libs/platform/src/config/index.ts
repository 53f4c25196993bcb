export * from './config-variables';
export * from './remit-config';
