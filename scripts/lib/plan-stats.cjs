// Preload (`node -r ./scripts/lib/plan-stats.cjs`, through REMIT_NODE_ARGS like sql-count.cjs) that
// shows which prepared statements PostgreSQL plans at every use: every 10 s it reads
// pg_prepared_statements on each connection the service has used and writes, per statement text, how
// many of its executions ran a generic plan and how many a custom one (planned for their values), summed
// over the connections, to `<service>-<pid>.plans.json` in REMIT_PROFILE_DIR (default .run/profiles).
// docs/performance.md, "Profiling". Needs DB_PREPARED_STATEMENTS on (the default).
'use strict';
const { Client } = require('pg');
const { writeProfileFile } = require('./profile-output.cjs');

const clients = new Set();
const original = Client.prototype.query;
Client.prototype.query = function rememberedQuery(...args) {
  clients.add(this);
  return original.apply(this, args);
};

/** Per statement text: generic and custom plans, summed over connections (each connection's last reading). */
const readings = new Map();

setInterval(async () => {
  for (const client of clients) {
    if (client._ending || !client._connected) continue;
    try {
      const { rows } = await original.call(
        client,
        'SELECT statement, generic_plans::int AS generic, custom_plans::int AS custom FROM pg_prepared_statements',
      );
      for (const row of rows) {
        const text = row.statement.replace(/\s+/g, ' ').slice(0, 200);
        const perClient = readings.get(text) ?? new Map();
        perClient.set(client, { generic: row.generic, custom: row.custom });
        readings.set(text, perClient);
      }
    } catch {
      // a connection closing meanwhile: its last reading stays
    }
  }
  const totals = [...readings].map(([statement, perClient]) => {
    let generic = 0;
    let custom = 0;
    for (const reading of perClient.values()) {
      generic += reading.generic;
      custom += reading.custom;
    }
    return { custom, generic, statement };
  });
  totals.sort((a, b) => b.custom - a.custom);
  writeProfileFile('.plans.json', `${JSON.stringify(totals, null, 1)}\n`);
}, 10_000).unref();
