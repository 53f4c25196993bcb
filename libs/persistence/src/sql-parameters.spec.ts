import { SqlParameters } from './sql-parameters';

describe(SqlParameters.name, () => {
  it('numbers the placeholders in the order the values were added, one by one or several at once', () => {
    const parameters = new SqlParameters();
    expect(parameters.add('a')).toBe('$1');
    expect(parameters.addAll([['x'], ['y']])).toBe(2);
    expect(parameters.add(3)).toBe('$4');
    expect(parameters.addAll([])).toBe(5);
    expect(parameters.values).toEqual(['a', ['x'], ['y'], 3]);
  });
});
