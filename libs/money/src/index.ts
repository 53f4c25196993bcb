export * from './domain-error';
export * from './cents';
export * from './usd-format';
export * from './money';
export * from './allocation';
export * from './requested-allocation';
export * from './credit-lots';
