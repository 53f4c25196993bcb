import { equalsLiteral } from './literal-match';

describe(equalsLiteral.name, () => {
  it('writes the value into the SQL, with no parameter', () => {
    const operator = equalsLiteral('scheduled');
    expect(operator.type).toBe('raw');
    expect(operator.getSql?.('"payment"."status"')).toBe(`"payment"."status" = 'scheduled'`);
    expect(operator.objectLiteralParameters).toBeUndefined();
  });

  it('refuses anything but a plain lower-case word', () => {
    expect(() => equalsLiteral("scheduled' OR '1'='1")).toThrow(/not a plain lower-case word/);
    expect(() => equalsLiteral('Scheduled')).toThrow(/not a plain lower-case word/);
    expect(() => equalsLiteral('')).toThrow(/not a plain lower-case word/);
  });
});
