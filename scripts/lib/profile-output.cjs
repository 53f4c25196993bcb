// What the profiling preloads (cpu-profile.cjs, sql-count.cjs, plan-stats.cjs) share: one file per
// process, `<service>-<pid><suffix>` in REMIT_PROFILE_DIR (default .run/profiles): `writeWhenProcessEnds`
// writes it once when the process ends — on SIGTERM or SIGINT before Nest's shutdown re-raises the
// signal, or at exit — and `writeProfileFile` whenever called (plan-stats.cjs, every 10 s).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Writes `text` to this process's file `<service>-<pid><suffix>` in REMIT_PROFILE_DIR, replacing it. */
function writeProfileFile(suffix, text) {
  const dir = process.env.REMIT_PROFILE_DIR || path.join(process.cwd(), '.run', 'profiles');
  fs.mkdirSync(dir, { recursive: true });
  // dist/apps/<service>/src/main.js → <service>
  const service = (process.argv[1] || 'node').split(path.sep).slice(-3)[0];
  fs.writeFileSync(path.join(dir, `${service}-${process.pid}${suffix}`), text);
}

/** Calls `contents()` once when the process ends and writes what it returns (nothing if undefined). */
function writeWhenProcessEnds(suffix, contents) {
  let written = false;
  const write = () => {
    if (written) return;
    written = true;
    const text = contents();
    if (text === undefined) return;
    writeProfileFile(suffix, text);
  };
  process.prependListener('SIGTERM', write);
  process.prependListener('SIGINT', write);
  process.on('exit', write);
}

module.exports = { writeProfileFile, writeWhenProcessEnds };
