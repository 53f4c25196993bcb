import { Raw, type FindOperator } from 'typeorm';

/**
 * A find option that writes `column = 'value'` into the SQL instead of a parameter, for a fixed value
 * (a status) that is the predicate of a partial index (`… WHERE status = 'scheduled'`). PostgreSQL
 * uses a partial index only for a condition that implies its predicate, which a parameter does in a
 * plan made for its value but not in the generic plan a prepared statement may run (ADR 0021): that
 * plan reads the table's whole history instead. Only identifiers of the code's own vocabulary are
 * accepted, never input.
 */
export function equalsLiteral<T extends string>(value: T): FindOperator<T> {
  if (!/^[a-z][a-z0-9_]*$/.test(value))
    throw new Error(`equalsLiteral: not a plain lower-case word: ${value}`);
  return Raw((column) => `${column} = '${value}'`) as FindOperator<T>;
}
