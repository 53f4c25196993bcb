export * from './account-number-cipher';
