// Preload (`node -r ./scripts/lib/timer-count.cjs`) that counts the timer callbacks a process runs
// (setTimeout and setInterval), by the place in the code that armed them, and every 5 s writes
// `<service>-<pid>.timers.json` into REMIT_PROFILE_DIR (default .run/profiles): `perSecond`, each place's
// callbacks a second over the last 5 s, and `total` since the start. Read it while the services are idle
// (bench:flow's idle window) to see what wakes them up. Used through REMIT_NODE_ARGS like
// kafka-count.cjs (docs/performance.md, "Profiling"). Timers armed through `require('timers')` or by
// native code (the event-loop-delay monitor) are not counted.
'use strict';
const { writeProfileFile } = require('./profile-output.cjs');

const WINDOW_MS = 5_000;
const totals = new Map();

/** The first frame outside this file and Node's internals: where the timer was armed. */
function armedAt() {
  const frames = (new Error().stack || '').split('\n').slice(3);
  const frame = frames.find((line) => !line.includes('timer-count.cjs') && !line.includes('node:internal'));
  return (frame || '?')
    .trim()
    .replace(/^at /, '')
    .replace(process.cwd() + '/', '');
}

function counting(arm, kind) {
  return function armCounted(callback, ...rest) {
    if (typeof callback !== 'function') return arm.call(this, callback, ...rest);
    const key = `${kind} ${armedAt()}`;
    return arm.call(
      this,
      function counted(...args) {
        totals.set(key, (totals.get(key) || 0) + 1);
        return callback.apply(this, args);
      },
      ...rest,
    );
  };
}

const realSetInterval = global.setInterval;
global.setTimeout = counting(global.setTimeout, 'setTimeout');
global.setInterval = counting(global.setInterval, 'setInterval');

let previous = new Map();
realSetInterval(() => {
  const perSecond = [...totals]
    .map(([key, count]) => [key, ((count - (previous.get(key) || 0)) * 1000) / WINDOW_MS])
    .filter(([, rate]) => rate > 0)
    .sort((a, b) => b[1] - a[1]);
  previous = new Map(totals);
  writeProfileFile(
    '.timers.json',
    JSON.stringify(
      {
        at: new Date().toISOString(),
        perSecond: Object.fromEntries(perSecond),
        total: Object.fromEntries(totals),
      },
      null,
      1,
    ),
  );
}, WINDOW_MS).unref();
