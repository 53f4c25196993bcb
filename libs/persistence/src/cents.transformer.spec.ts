import { centsTransformer } from './cents.transformer';

describe('centsTransformer', () => {
  it.each([
    ['34618', 34618],
    ['0', 0],
    ['-2500', -2500],
    [12, 12],
  ])('reads %p as %p', (raw, expected) => {
    expect(centsTransformer.from(raw)).toBe(expected);
  });

  it('keeps null', () => {
    expect(centsTransformer.from(null)).toBeNull();
  });

  it.each([['9007199254740993'], ['12.5'], ['abc']])('refuses %p', (raw) => {
    expect(() => centsTransformer.from(raw)).toThrow(/not a safe integer/);
  });

  it('writes numbers unchanged', () => {
    expect(centsTransformer.to(100) as number).toBe(100);
  });
});
