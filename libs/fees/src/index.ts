export type { Fee, FeeKind } from './fee';
export * from './fee-policy';
export * from './return-fee';
export * from './paper-invoice-fee';
