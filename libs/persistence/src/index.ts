export * from './pg-types';
export * from './cents.transformer';
export * from './after-commit';
export * from './sql-parameters';
export * from './uuid-match';
export * from './literal-match';
