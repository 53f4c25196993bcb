#!/usr/bin/env node
// `node scripts/sql-count-top.mjs FILE.sql.json [...] [--per N]`: the statements a service sent, most
// frequent first, from scripts/lib/sql-count.cjs; `--per N` divides the counts by N (payments).
import fs from 'node:fs';

const args = process.argv.slice(2);
const perIndex = args.indexOf('--per');
const per = perIndex >= 0 ? Number(args.splice(perIndex, 2)[1]) : 1;
for (const file of args) {
  const counts = Object.entries(JSON.parse(fs.readFileSync(file, 'utf8')));
  const total = counts.reduce((sum, [, count]) => sum + count, 0);
  console.log(
    `\n${file}: ${total} statements${per === 1 ? '' : `, ${(total / per).toFixed(1)} per payment`}`,
  );
  for (const [text, count] of counts.slice(0, 25))
    console.log(`${(count / per).toFixed(per === 1 ? 0 : 2).padStart(8)}  ${text.slice(0, 200)}`);
}
