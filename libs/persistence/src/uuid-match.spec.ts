import { uuidMatch } from './uuid-match';

describe(uuidMatch.name, () => {
  const a = '6f1c2a9e-3b7d-4c1e-9f0a-1d2e3f4a5b6c';
  const b = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';

  it('matches one id with = and binds the id itself', () => {
    expect(uuidMatch('$1', [a])).toEqual({ sql: '= $1::uuid', value: a });
  });

  it('matches several ids, or none, with = ANY and binds the array', () => {
    expect(uuidMatch('$3', [a, b])).toEqual({ sql: '= ANY($3::uuid[])', value: [a, b] });
    expect(uuidMatch('$1', [])).toEqual({ sql: '= ANY($1::uuid[])', value: [] });
  });
});
