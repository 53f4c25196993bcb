// Preload (`node -r ./scripts/lib/cpu-profile.cjs`) that samples the process's CPU from start to exit
// and writes `<service>-<pid>.cpuprofile` into REMIT_PROFILE_DIR (default .run/profiles). `--cpu-prof`
// writes nothing for the services: Nest re-raises SIGTERM after its shutdown hooks, and a process that
// ends by a signal skips it. Used through REMIT_NODE_ARGS (docs/performance.md); read the result with
// scripts/cpu-profile-top.mjs or Chrome DevTools.
'use strict';
const inspector = require('node:inspector');
const { writeWhenProcessEnds } = require('./profile-output.cjs');

const session = new inspector.Session();
session.connect();
session.post('Profiler.enable');
session.post('Profiler.setSamplingInterval', { interval: 1000 });
session.post('Profiler.start');

writeWhenProcessEnds('.cpuprofile', () => {
  let profile;
  // An in-process session answers synchronously: the profile is here before `post` returns.
  session.post('Profiler.stop', (error, result) => {
    if (!error) profile = JSON.stringify(result.profile);
  });
  return profile;
});
