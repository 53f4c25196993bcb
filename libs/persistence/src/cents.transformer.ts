import type { ValueTransformer } from 'typeorm';

/**
 * Postgres `bigint` arrives from `pg` as a string (it may exceed 2^53). Amounts in Remit stay well
 * inside Number.MAX_SAFE_INTEGER cents, so they are numbers in code; anything else is refused, never
 * rounded.
 */
export const centsTransformer: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null): number | null => {
    if (value === null) return null;
    const cents = typeof value === 'number' ? value : Number(value);
    if (!Number.isSafeInteger(cents))
      throw new Error(`bigint column value ${String(value)} is not a safe integer`);
    return cents;
  },
};
