/**
 * The parameters of one hand-written statement built from parts (CTEs written by different modules):
 * each part adds its values and writes the placeholders it is given, so no part needs to know how
 * many came before it.
 */
export class SqlParameters {
  readonly values: unknown[] = [];

  /** Adds `value`; returns its placeholder (`$n`). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Adds consecutive values; returns the number of the first one's placeholder. */
  addAll(values: readonly unknown[]): number {
    const first = this.values.length + 1;
    this.values.push(...values);
    return first;
  }
}
