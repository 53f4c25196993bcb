// Preload (`node -r ./scripts/lib/sql-count.cjs`) that counts the SQL statements a service sends
// through `pg` — by statement text, digits and quoted literals folded — and writes
// `<service>-<pid>.sql.json` into REMIT_PROFILE_DIR (default .run/profiles) when the process ends.
// Used through REMIT_NODE_ARGS like cpu-profile.cjs (docs/performance.md, "Profiling"); read the
// result with `node scripts/sql-count-top.mjs FILE.sql.json [...]`.
'use strict';
const { Client } = require('pg');
const { writeWhenProcessEnds } = require('./profile-output.cjs');

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

writeWhenProcessEnds('.sql.json', () =>
  JSON.stringify(Object.fromEntries([...counts].sort((a, b) => b[1] - a[1])), null, 1),
);
