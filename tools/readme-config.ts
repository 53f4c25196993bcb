/**
 * `npm run docs:config`: writes the README's configuration table from `CONFIG_VARIABLES`, the list
 * `loadConfig` reads its defaults from. The unit test beside that list fails until this has run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { configVariablesMarkdown, withReadmeConfigTable } from '@remit/platform';

const readmePath = path.join(__dirname, '..', '..', 'README.md');
fs.writeFileSync(
  readmePath,
  withReadmeConfigTable(fs.readFileSync(readmePath, 'utf8'), configVariablesMarkdown()),
);
console.log(`✔ ${path.relative(process.cwd(), readmePath)}: configuration table written`);
