export * from './ach-error';
export * from './routing-number';
export * from './return-codes';
export { describeTransactionCode } from './nacha-format';
export type { AccountType, EntryDirection, TransactionCodeInfo, TransactionKind } from './nacha-format';
export * from './nacha-types';
export * from './nacha-writer';
export * from './nacha-reader';
