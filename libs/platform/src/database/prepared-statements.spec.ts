import { StatementNames } from './prepared-statements';

describe(StatementNames.name, () => {
  it('sends a statement unnamed on its first use and prepared from its second', () => {
    const names = new StatementNames();
    const text = 'SELECT $1::int AS first_use_then_named';
    expect(names.nameFor(text)).toBeUndefined();
    const name = names.nameFor(text);
    expect(name).toMatch(/^remit_\d+$/);
    expect(names.nameFor(text)).toBe(name);
  });

  it('gives a text the same name on every connection, and different texts different names', () => {
    const one = new StatementNames();
    const other = new StatementNames();
    const a = 'SELECT $1::int AS shared_a';
    const b = 'SELECT $1::int AS shared_b';
    for (const names of [one, other]) {
      names.nameFor(a);
      names.nameFor(b);
    }
    const nameOfA = one.nameFor(a);
    expect(other.nameFor(a)).toBe(nameOfA);
    expect(one.nameFor(b)).not.toBe(nameOfA);
  });

  it('prepares no more than its limit; the statements prepared before keep their names', () => {
    const names = new StatementNames(2);
    const texts = ['SELECT $1::int AS limit_1', 'SELECT $1::int AS limit_2', 'SELECT $1::int AS limit_3'];
    for (const text of texts) names.nameFor(text);
    const first = names.nameFor(texts[0]);
    const second = names.nameFor(texts[1]);
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(names.nameFor(texts[2])).toBeUndefined();
    expect(names.nameFor(texts[2])).toBeUndefined();
    expect(names.nameFor(texts[0])).toBe(first);
  });
});
