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

  it('gives a statement whose prepared plan went stale a new name on that connection only', () => {
    const one = new StatementNames();
    const other = new StatementNames();
    const text = 'SELECT $1::int AS goes_stale';
    for (const names of [one, other]) names.nameFor(text);
    const name = one.nameFor(text)!;
    expect(other.nameFor(text)).toBe(name);
    one.forget(text, name);
    const renamed = one.nameFor(text);
    expect(renamed).toMatch(/^remit_\d+_\d+$/);
    expect(renamed).not.toBe(name);
    expect(one.nameFor(text)).toBe(renamed);
    expect(other.nameFor(text)).toBe(name);
    // A second failure of the old name (a use already under way) changes nothing more.
    one.forget(text, name);
    expect(one.nameFor(text)).toBe(renamed);
  });

  it('sends a stale statement unnamed once the connection has no room to prepare it again', () => {
    const names = new StatementNames(1);
    const text = 'SELECT $1::int AS stale_without_room';
    names.nameFor(text);
    const name = names.nameFor(text)!;
    names.forget(text, name);
    expect(names.nameFor(text)).toBeUndefined();
    expect(names.nameFor(text)).toBeUndefined();
  });
});
