export * from './pg-types';
export * from './cents.transformer';
