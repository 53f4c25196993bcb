import * as fs from 'node:fs';
import * as path from 'node:path';

/** The NACHA sample files of libs/ach/test/fixtures (moov-io/ach, Apache-2.0; see its README). */
export const FIXTURES = path.join(__dirname, 'fixtures');

/** The text of one sample file, byte for byte. */
export const fixture = (name: string): string => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
