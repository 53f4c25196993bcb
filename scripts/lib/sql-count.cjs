// Preload (`node -r ./scripts/lib/sql-count.cjs`) that counts the SQL statements a service sends
// through `pg` — by statement text, digits and quoted literals folded — and writes
// `<service>-<pid>.sql.json` into REMIT_PROFILE_DIR (default .run/profiles) when the process ends.
// Used through REMIT_NODE_ARGS like cpu-profile.cjs (docs/performance.md, "Profiling"); read the
// result with `node scripts/sql-count-top.mjs FILE.sql.json [...]`.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');

const counts = new Map();
const original = Client.prototype.query;
Client.prototype.query = function countedQuery(config, ...rest) {
  const text = typeof config === 'string' ? config : config && config.text;
  if (typeof text === 'string') {
    const key = text
      .replace(/\s+/g, ' ')
      .replace(/'[^']*'/g, "'?'")
      .replace(/\$\d+(, \$\d+)*/g, '$n')
      .replace(/\(\$n\)(, \(\$n\))+/g, '($n), …')
      .trim()
      .slice(0, 240);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return original.call(this, config, ...rest);
};

let written = false;
function write() {
  if (written) return;
  written = true;
  const dir = process.env.REMIT_PROFILE_DIR || path.join(process.cwd(), '.run', 'profiles');
  fs.mkdirSync(dir, { recursive: true });
  const service = (process.argv[1] || 'node').split(path.sep).slice(-3)[0];
  const sorted = Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
  fs.writeFileSync(path.join(dir, `${service}-${process.pid}.sql.json`), JSON.stringify(sorted, null, 1));
}
process.prependListener('SIGTERM', write);
process.prependListener('SIGINT', write);
process.on('exit', write);
