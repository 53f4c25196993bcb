// Preload (`node -r ./scripts/lib/cpu-profile.cjs`) that samples the process's CPU from start to exit
// and writes `<service>-<pid>.cpuprofile` into REMIT_PROFILE_DIR (default .run/profiles). `--cpu-prof`
// writes nothing for the services: Nest re-raises SIGTERM after its shutdown hooks, and a process that
// ends by a signal skips it. Used through REMIT_NODE_ARGS (docs/performance.md); read the result with
// scripts/cpu-profile-top.mjs or Chrome DevTools.
'use strict';
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');

let written = false;
function write() {
  if (written) return;
  written = true;
  // An in-process session answers synchronously: the file is written before the handler returns.
  session.post('Profiler.stop', (error, result) => {
    if (error) return;
    const dir = process.env.REMIT_PROFILE_DIR || path.join(process.cwd(), '.run', 'profiles');
    fs.mkdirSync(dir, { recursive: true });
    // dist/apps/<service>/src/main.js → <service>
    const service = (process.argv[1] || 'node').split(path.sep).slice(-3)[0];
    fs.writeFileSync(path.join(dir, `${service}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
}
process.prependListener('SIGTERM', write);
process.prependListener('SIGINT', write);
process.on('exit', write);
