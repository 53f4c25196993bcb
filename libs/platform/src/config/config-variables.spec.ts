import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  CONFIG_VARIABLES,
  configVariablesMarkdown,
  markdownTableCells,
  README_TABLE_END,
  README_TABLE_START,
  readmeConfigTable,
  withReadmeConfigTable,
} from './config-variables';

const README = path.join(__dirname, '..', '..', '..', '..', 'README.md');

describe('README configuration table', () => {
  it('is CONFIG_VARIABLES, cell for cell (run `npm run docs:config` after changing the list)', () => {
    const table = readmeConfigTable(fs.readFileSync(README, 'utf8'));
    expect(table).toBeDefined();
    expect(markdownTableCells(table ?? '')).toEqual(markdownTableCells(configVariablesMarkdown()));
  });

  it('says which secrets production requires and shows no default for them', () => {
    const rows = new Map(markdownTableCells(configVariablesMarkdown()).map((row) => [row[0], row]));
    for (const name of ['`AUTH_JWT_SECRET`', '`PAYMENT_DATA_KEY`', '`IDEMPOTENCY_HMAC_KEY`']) {
      expect(rows.get(name)?.[1]).toBe('unset');
      expect(rows.get(name)?.[2]).toMatch(/required (by (it|them) )?in production/);
    }
  });
});

describe(markdownTableCells.name, () => {
  it('ignores column padding and the separator row', () => {
    const padded = '| a   | b |\n| --- | :-: |\n| `x` | y \\| z |';
    expect(markdownTableCells(padded)).toEqual([
      ['a', 'b'],
      ['`x`', 'y \\| z'],
    ]);
  });

  it('tells a changed cell apart', () => {
    expect(markdownTableCells('| a | b |')).not.toEqual(markdownTableCells('| a | c |'));
  });
});

describe(withReadmeConfigTable.name, () => {
  const readme = `# R\n\n${README_TABLE_START}\n| old |\n${README_TABLE_END}\n\nafter\n`;

  it('replaces only what lies between the markers', () => {
    const written = withReadmeConfigTable(readme, '| new |');
    expect(written).toBe(`# R\n\n${README_TABLE_START}\n\n| new |\n\n${README_TABLE_END}\n\nafter\n`);
    expect(readmeConfigTable(written)).toBe('| new |');
  });

  it('refuses a README without the markers', () => {
    expect(readmeConfigTable('# R\n')).toBeUndefined();
    expect(() => withReadmeConfigTable('# R\n', '| new |')).toThrow(/config-variables:start/);
  });

  it('renders one row per variable', () => {
    expect(markdownTableCells(configVariablesMarkdown())).toHaveLength(CONFIG_VARIABLES.length + 1);
  });
});
